/**
 * The stored form of an API object and its text: storage holds an object as
 * it is, without metadata.resourceVersion (the revision is storage's own);
 * a read puts resourceVersion back, last in metadata. The text of a write is
 * made once, remembering where its metadata ends, so the JSON of the object
 * as read (the write's answer, its watch events) is the stored text with the
 * revision spliced in, never a second JSON.stringify.
 */
import type { KObject, ObjectMeta } from "../api/types.ts";
import { sameJson } from "../util/json-copy.ts";

/** An object's stored text, the offset of its metadata's closing brace in it, and that metadata. */
export interface StoredText {
  text: string;
  metaEnd: number;
  /**
   * The stored metadata (storedMetadata of the object when encoded): a
   * private shallow copy, which its owner may hand on once (see
   * ObjectStore's answers).
   */
  meta: ObjectMeta;
}

/** A copy of obj's metadata without resourceVersion (keys in order; shallow). */
export function storedMetadata(obj: KObject): ObjectMeta {
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const out: Record<string, unknown> = {};
  if (meta === undefined || meta === null) return out;
  // A loop, not `{ resourceVersion, ...rest }`: rest with an excluded key is
  // ≈4x slower on metadata in dictionary mode (after a `delete`), 3-4% of a
  // PATCH; the copy made here is in fast mode whatever the source.
  for (const key of Object.keys(meta)) {
    if (key === "resourceVersion") continue;
    if (key === "__proto__") Object.defineProperty(out, key, ownValue(meta[key]));
    else out[key] = meta[key];
  }
  return out;
}

/** The object as storage holds it (serialized as is): metadata without resourceVersion. */
export function storedForm(obj: KObject, meta: ObjectMeta = storedMetadata(obj)): KObject {
  return { ...obj, metadata: meta };
}

/**
 * Whether next (its stored metadata `nextMeta` when at hand) and current
 * store the same JSON value: sameJson of their stored forms, members in any
 * order (upstream's typed round trip writes one order, so a body that only
 * orders its keys otherwise is a no-op there too). Their
 * managedFields are compared first: a write that changes anything restamps
 * its writer's entry there, and texts that differ in one member differ as
 * a whole, so most changed objects are told apart without walking the rest.
 */
export function sameStoredForm(
  next: KObject,
  nextMeta: ObjectMeta | undefined,
  current: KObject,
): boolean {
  const a = next.metadata?.managedFields;
  const b = current.metadata?.managedFields;
  if (a !== b && !sameJson(a, b)) return false;
  return sameJson(storedForm(next, nextMeta), storedForm(current), true);
}

/** The stored text of an object (any form, converted or not). */
export function storedJson(obj: KObject): string {
  return JSON.stringify(storedForm(obj));
}

/**
 * storedJson(obj), noting where metadata ends, so the JSON of obj with a
 * resourceVersion last in its metadata (a read's form) can be made from the
 * stored text. Undefined when obj's metadata is not a plain object.
 */
export function storedText(obj: KObject): StoredText | undefined {
  const metadata = obj.metadata;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    return undefined;
  const meta = storedMetadata(obj);
  let text = "{";
  let metaEnd = -1;
  for (const key of Object.keys(obj)) {
    const json = JSON.stringify(key === "metadata" ? meta : obj[key]);
    if (json === undefined) continue;
    text += `${text.length > 1 ? "," : ""}${JSON.stringify(key)}:${json}`;
    if (key === "metadata") metaEnd = text.length - 1;
  }
  return { text: `${text}}`, metaEnd, meta };
}

/** The stored text with resourceVersion added last to its metadata. */
export function withResourceVersion(stored: StoredText, revision: number): string {
  const { text, metaEnd } = stored;
  const sep = text[metaEnd - 1] === "{" ? "" : ",";
  return `${text.slice(0, metaEnd)}${sep}"resourceVersion":"${revision}"${text.slice(metaEnd)}`;
}

function ownValue(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

/**
 * Whether JSON.parse(JSON.stringify(value)) would deep-equal value, so value
 * itself can stand for the decoding of its JSON: only null, strings,
 * booleans, finite numbers other than -0, arrays without holes and objects
 * whose prototype is Object.prototype (no undefined, functions, symbols,
 * toJSON or class instances). Walks without allocating.
 */
export function jsonClean(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Strings (most leaves) without a call.
      if (typeof item === "string" && i in value) continue;
      if (!(i in value) || !jsonClean(item)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const rec = value as Record<string, unknown>;
  for (const key in rec) {
    const member = rec[key];
    if (typeof member !== "string" && !jsonClean(member)) return false;
  }
  return true;
}

/**
 * jsonClean(value), given `known`: a value known to be clean and never
 * mutated (the watch cache's decoding of the version being replaced, as
 * its writer announced it: an answer found clean, or a copy as JSON gives).
 * Objects of value that are known's own at the same path are not walked
 * again: an update shares most of the object it replaces (a binding makes
 * new top-level, spec and status objects and keeps their members).
 */
export function jsonCleanBeside(value: unknown, known: unknown): boolean {
  if (typeof value !== "object" || value === null || typeof known !== "object" || known === null)
    return jsonClean(value);
  // Known's members are its own but for "__proto__", which reads Object.prototype (not clean).
  if (value === known) return value !== Object.prototype;
  if (Array.isArray(value)) {
    if (!Array.isArray(known)) return jsonClean(value);
    for (let i = 0; i < value.length; i++)
      if (!(i in value) || !jsonCleanBeside(value[i], i < known.length ? known[i] : undefined))
        return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const rec = value as Record<string, unknown>;
  const old = known as Record<string, unknown>;
  for (const key in rec) {
    const member = rec[key];
    if (typeof member !== "string" && !jsonCleanBeside(member, old[key])) return false;
  }
  return true;
}

/**
 * jsonClean of the stored form of obj whose stored metadata is meta (see
 * storedForm); `known` (optional) is a clean object whose members obj may
 * share (see jsonCleanBeside).
 */
export function storedFormClean(obj: KObject, meta: ObjectMeta, known?: KObject): boolean {
  if (Object.getPrototypeOf(obj) !== Object.prototype) return false;
  const rec = obj as Record<string, unknown>;
  const old = known as Record<string, unknown> | undefined;
  for (const key in rec)
    if (!jsonCleanBeside(key === "metadata" ? meta : rec[key], old?.[key])) return false;
  return true;
}

/** Freezes value and everything in it (objects already frozen are taken as frozen through). */
export function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  Object.freeze(value);
}

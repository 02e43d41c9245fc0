/**
 * The stored form of an API object and its text: storage holds an object as
 * it is, without metadata.resourceVersion (the revision is storage's own);
 * a read puts resourceVersion back, last in metadata. The text of a write is
 * made once, remembering where its metadata ends, so the JSON of the object
 * as read (the write's answer, its watch events) is the stored text with the
 * revision spliced in, never a second JSON.stringify.
 */
import type { KObject, ObjectMeta } from "../api/types.ts";

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

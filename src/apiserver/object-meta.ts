/**
 * The generic object semantics every write shares, as upstream's
 * rest.BeforeCreate/BeforeUpdate: uid, creationTimestamp, generateName,
 * generation (bumped on spec changes only), system fields kept from the
 * stored object, and the kind/apiVersion/name/namespace checks against the URL.
 */
import { randomUUID } from "node:crypto";
import { StatusError, badRequest, fieldErrors, invalid, type FieldError } from "../api/status.ts";
import type { KObject, ObjectMeta, ResourceDef } from "../api/types.ts";
import { apiVersionOf } from "./object-store.ts";
import { sameSortedJson } from "./object-meta-json.ts";

/** The last second formatted by rfc3339 (writes in the same second share it). */
let lastSecond = NaN;
let lastText = "";

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(".000Z", "Z");
    lastSecond = second;
  }
  return lastText;
}

const NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** generateName + 5 random characters, as upstream's SimpleNameGenerator. */
export function generateObjectName(prefix: string, random: () => number = Math.random): string {
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  let suffix = "";
  for (let i = 0; i < 5; i++)
    suffix += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)];
  return base + suffix;
}

const SURROGATE = /[\ud800-\udfff]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Moves apiVersion, kind and metadata to the front of obj's keys (where
 * stored objects have them), so a body that left them out is stored as the
 * same text as one that sent them: the no-op check compares stored text.
 */
function typeMetaFirst(obj: KObject): KObject {
  // A new object, not deletes and re-adds (which would leave obj in V8's slow dictionary mode).
  const out: Record<string, unknown> = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: obj.metadata,
  };
  for (const [k, v] of Object.entries(obj)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out as KObject;
}

/**
 * Checks the body's apiVersion/kind against the endpoint's (filling them when
 * absent) and that metadata is an object. `expected` defaults to the def's own.
 * Answers the object to use from here: `obj`, or a copy with the filled fields
 * first (its members are obj's, shared).
 */
export function checkTypeMeta(
  obj: KObject,
  def: ResourceDef,
  expected: { apiVersion: string; kind: string } = {
    apiVersion: apiVersionOf(def),
    kind: def.kind,
  },
): KObject {
  if (obj.apiVersion !== undefined && typeof obj.apiVersion !== "string") {
    throw badRequest(
      `json: cannot unmarshal ${typeof obj.apiVersion} into Go struct field .apiVersion of type string`,
    );
  }
  if (obj.kind !== undefined && typeof obj.kind !== "string") {
    throw badRequest(
      `json: cannot unmarshal ${typeof obj.kind} into Go struct field .kind of type string`,
    );
  }
  if (obj.apiVersion && obj.apiVersion !== expected.apiVersion) {
    throw badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected.apiVersion})`,
    );
  }
  if (obj.kind && obj.kind !== expected.kind) {
    throw badRequest(
      `the kind in the data (${obj.kind}) does not match the expected kind (${expected.kind})`,
    );
  }
  const filled = !obj.apiVersion || !obj.kind || obj.metadata == null;
  obj.apiVersion = expected.apiVersion;
  obj.kind = expected.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== "object" || Array.isArray(obj.metadata)) {
    throw badRequest(
      `json: cannot unmarshal ${Array.isArray(obj.metadata) ? "array" : typeof obj.metadata} into Go struct field ${expected.kind}.metadata of type v1.ObjectMeta`,
    );
  }
  const meta = obj.metadata as Record<string, unknown>;
  for (const f of ["name", "generateName", "namespace", "resourceVersion", "uid"]) {
    const v = meta[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") {
      throw badRequest(
        `json: cannot unmarshal ${typeof v} into Go struct field ObjectMeta.metadata.${f} of type string`,
      );
    }
    // JSON.parse keeps lone surrogates ("\ud800"); Go's decoder makes each U+FFFD, and
    // storage keys are UTF-8, where they are U+FFFD too: two names must not share a key.
    if (SURROGATE.test(v)) meta[f] = v.replace(LONE_SURROGATE, "\ufffd");
  }
  for (const f of ["labels", "annotations"]) {
    const v = meta[f];
    if (v === undefined || v === null) continue;
    if (
      typeof v !== "object" ||
      Array.isArray(v) ||
      Object.values(v).some((x) => typeof x !== "string")
    ) {
      throw badRequest(
        `json: cannot unmarshal into Go struct field ObjectMeta.metadata.${f} of type map[string]string`,
      );
    }
  }
  return filled ? typeMetaFirst(obj) : obj;
}

/**
 * Reconciles the body's namespace with the URL's: filled when empty, 400 when
 * different (worded as upstream's create handler, or for a PUT/PATCH as its
 * checkName); cluster-scoped objects lose any namespace.
 */
export function checkNamespace(
  obj: KObject,
  def: ResourceDef,
  urlNamespace: string,
  verb: "create" | "update" = "create",
): void {
  const meta = obj.metadata as ObjectMeta;
  if (!def.namespaced) {
    delete meta.namespace;
    return;
  }
  if (!meta.namespace) meta.namespace = urlNamespace;
  else if (urlNamespace && meta.namespace !== urlNamespace) {
    throw badRequest(
      verb === "create"
        ? "the namespace of the provided object does not match the namespace sent on the request"
        : `the namespace of the object (${meta.namespace}) does not match the namespace on the request (${urlNamespace})`,
    );
  }
}

/**
 * The name in the body must equal the URL's (PUT/PATCH, upstream checkName):
 * a body without one is 400 as well, not named after the URL.
 */
export function checkNameMatchesURL(obj: KObject, urlName: string): void {
  const name = obj.metadata?.name;
  if (!name) {
    throw badRequest(
      `the name of the object (${urlName} based on URL) was undeterminable: name must be provided`,
    );
  }
  if (name !== urlName) {
    throw badRequest(
      `the name of the object (${name}) does not match the name on the URL (${urlName})`,
    );
  }
}

/** Name safety every resource needs (names become storage key segments). */
export function validatePathName(def: ResourceDef, obj: KObject): void {
  const name = obj.metadata?.name ?? "";
  const errs: FieldError[] = [];
  if (!name) errs.push(fieldErrors.required("metadata.name", "name or generateName is required"));
  else if (name === "." || name === "..")
    errs.push(fieldErrors.invalid("metadata.name", name, `may not be '${name}'`));
  else if (name.includes("/") || name.includes("%")) {
    errs.push(
      fieldErrors.invalid(
        "metadata.name",
        name,
        `may not contain '${name.includes("/") ? "/" : "%"}'`,
      ),
    );
  } else if (name.length > 253) {
    errs.push(fieldErrors.invalid("metadata.name", name, "must be no more than 253 characters"));
  }
  if (errs.length > 0) throw invalid(def.group, def.kind, name, errs);
}

export interface CreateMetaOptions {
  now: number;
  random?: () => number;
}

/** System fields of a new object (before strategy hooks and validation). */
export function prepareMetaForCreate(
  def: ResourceDef,
  obj: KObject,
  opts: CreateMetaOptions,
): void {
  const meta = obj.metadata as ObjectMeta;
  if (meta.resourceVersion) {
    throw badRequest("resourceVersion should not be set on objects to be created");
  }
  if (!meta.name && meta.generateName)
    meta.name = generateObjectName(meta.generateName, opts.random);
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339(opts.now);
  // `delete` only what is there: deleting is a runtime call even when absent.
  if (Object.hasOwn(meta, "deletionTimestamp")) delete meta.deletionTimestamp;
  if (Object.hasOwn(meta, "deletionGracePeriodSeconds")) delete meta.deletionGracePeriodSeconds;
  if (Object.hasOwn(meta, "selfLink")) delete meta.selfLink;
  if (def.hasGeneration ?? true) meta.generation = 1;
  else if (Object.hasOwn(meta, "generation")) delete meta.generation;
  if (meta.finalizers && meta.finalizers.length === 0) delete meta.finalizers;
}

/** Top-level fields other than metadata/status/apiVersion/kind changed. */
export function specChanged(obj: KObject, old: KObject): boolean {
  const same = sameSortedJson(withoutSystemFields(obj), withoutSystemFields(old));
  if (same !== undefined) return !same;
  // Values whose JSON text is not plain: compare the texts themselves.
  const strip = (o: KObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return JSON.stringify(sortKeys(rest));
  };
  return strip(obj) !== strip(old);
}

/** A shallow copy of `o` without metadata, status, apiVersion and kind (a loop: no object rest). */
function withoutSystemFields(o: KObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (k === "metadata" || k === "status" || k === "apiVersion" || k === "kind") continue;
    out[k] = (o as Record<string, unknown>)[k];
  }
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * System fields of an updated object: identity and deletion state come from
 * the stored object; generation is bumped when the spec changed.
 */
export function prepareMetaForUpdate(def: ResourceDef, obj: KObject, old: KObject): void {
  const meta = obj.metadata as ObjectMeta;
  const oldMeta = old.metadata as ObjectMeta;
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  // Set when the stored object has them, else removed (never added and then deleted).
  if (oldMeta.deletionTimestamp !== undefined) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  else if (Object.hasOwn(meta, "deletionTimestamp")) delete meta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined)
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  else if (Object.hasOwn(meta, "deletionGracePeriodSeconds"))
    delete meta.deletionGracePeriodSeconds;
  if (Object.hasOwn(meta, "selfLink")) delete meta.selfLink;
  if (meta.finalizers && meta.finalizers.length === 0) delete meta.finalizers;
  if (def.hasGeneration ?? true) {
    const oldGen = oldMeta.generation ?? 1;
    meta.generation = specChanged(obj, old) ? oldGen + 1 : oldGen;
  } else if (Object.hasOwn(meta, "generation")) {
    delete meta.generation;
  }
}

/**
 * A deleted object whose finalizers are gone (and grace elapsed) is removed on
 * update; namespaces also wait for spec.finalizers, as upstream.
 */
export function shouldDeleteDuringUpdate(def: ResourceDef, obj: KObject): boolean {
  const meta = obj.metadata as ObjectMeta;
  if (def.group === "" && def.resource === "namespaces") {
    const specFinalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (specFinalizers.length > 0) return false;
  }
  return (
    meta.deletionTimestamp !== undefined &&
    (meta.finalizers ?? []).length === 0 &&
    (meta.deletionGracePeriodSeconds === undefined || meta.deletionGracePeriodSeconds === 0)
  );
}

/** 409 for a stale resourceVersion precondition. */
export function staleConflict(def: ResourceDef, name: string): StatusError {
  return new StatusError(
    "Conflict",
    `Operation cannot be fulfilled on ${def.group ? `${def.resource}.${def.group}` : def.resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: def.group || undefined, kind: def.resource },
  );
}

/** Stable hashing for pod-template-hash and similar generated names. */
import { defaultPodTemplate } from "../../api/defaults/pod.ts";

/** FNV-1a, 32 bit. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * JSON with object keys sorted, so equal objects serialize equally. A field
 * set to null counts as absent (as in the Go types, where both decode to the
 * zero value): kubectl sends templates with `creationTimestamp: null`.
 */
export function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A pod template's canonicalJSON with the template defaults applied to a
 * copy: what decides whether a workload's template equals a ReplicaSet's or
 * a ControllerRevision's. Upstream defaults every object on decode, so a
 * template stored before a default existed (e.g. `resources: {}`) still
 * equals the same template stored after; comparing stored JSON would start
 * a rollout of every pod on the workload's next write.
 */
export function templateKey(template: unknown): string {
  const copy = structuredClone(template ?? {});
  defaultPodTemplate(copy);
  return canonicalJSON(copy);
}

/** Per extractor (a module-level function), each object's key. */
const storedKeys = new WeakMap<object, WeakMap<object, string>>();

/**
 * templateKey of the template `templateOf(obj)` holds, computed once per
 * object and extractor: for the informers' objects (a ReplicaSet, a
 * ControllerRevision), which are never mutated. A sync compares every one it
 * owns. Pass a module-level `templateOf`: a new closure per call caches nothing.
 */
export function storedTemplateKey<T extends object>(
  obj: T,
  templateOf: (obj: T) => unknown,
): string {
  let keys = storedKeys.get(templateOf);
  if (!keys) storedKeys.set(templateOf, (keys = new WeakMap()));
  let key = keys.get(obj);
  if (key === undefined) {
    key = templateKey(templateOf(obj));
    keys.set(obj, key);
  }
  return key;
}

// Upstream's "safe" alphabet: no vowels (no words) and no look-alike characters.
const alphabet = "bcdfghjklmnpqrstvwxz2456789";

/**
 * A short name-safe string for a hash value: each character of its decimal
 * form mapped through the alphabet by character code, as upstream's
 * SafeEncodeString does (so hashes look like "7b8d6c5f4").
 */
export function safeEncode(n: number): string {
  return [...String(n)].map((d) => alphabet[d.charCodeAt(0) % alphabet.length]).join("");
}

/** The pod-template-hash of a template, varied by collisionCount. */
export function computeHash(template: unknown, collisionCount?: number): string {
  const text = canonicalJSON(template) + (collisionCount ? String(collisionCount) : "");
  return safeEncode(fnv32a(text));
}

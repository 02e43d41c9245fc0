/**
 * The StatusErrors the patch code raises, shaped as kube-apiserver shapes
 * them so clients print the same text.
 */
import { StatusError } from "../status.ts";

/**
 * A patch that could not be applied to the object (failed `test` op, missing
 * path, ...). Upstream answers 422 Invalid with a fixed message and drops the
 * reason; `detail` keeps it for logs.
 */
export class PatchApplyError extends StatusError {
  readonly detail: string;
  constructor(detail: string) {
    super("Invalid", "the server rejected our request due to an error in our request", {});
    this.name = "PatchApplyError";
    this.detail = detail;
  }
}

/** 400 BadRequest: the patch document itself is malformed. */
export function badPatch(message: string): StatusError {
  return new StatusError("BadRequest", message);
}

/** 422 Invalid with upstream's generic message (see PatchApplyError). */
export function patchNotApplicable(detail: string): PatchApplyError {
  return new PatchApplyError(detail);
}

/**
 * Deep copy of a JSON value, equal to structuredClone's for JSON values
 * (objects, arrays, primitives; undefined members kept) and several times
 * faster. Values that are not plain objects or arrays (Date, Map, ...) are
 * copied by structuredClone.
 */
export function cloneJson<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(cloneValue(value[i]));
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  const src = value as Record<string, unknown>;
  for (const key of Object.keys(src)) {
    if (key === "__proto__") {
      // An own "__proto__" key (JSON.parse makes one): define it, never set the prototype.
      Object.defineProperty(out, key, {
        value: cloneValue(src[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = cloneValue(src[key]);
  }
  return out;
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  for (const k of ka) if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  return true;
}

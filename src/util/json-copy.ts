/**
 * Copies and comparisons of API objects held as plain JSON values (what
 * JSON.parse, the YAML decoder and the request decoders produce), several
 * times cheaper than structuredClone or a JSON round trip on them.
 */

/**
 * A deep copy of a JSON value: plain objects and arrays are copied, other
 * values are shared (primitives) or handed to structuredClone (anything
 * that is not a plain object or array), so the result equals
 * structuredClone(value) for API objects. Keys named "__proto__" (own
 * properties after JSON.parse) stay own properties.
 */
export function copyJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copy((value as Record<string, unknown>)[key]);
    if (key === "__proto__") Object.defineProperty(out, key, ownValue(v));
    else out[key] = v;
  }
  return out;
}

/**
 * JSON.parse(JSON.stringify(value)) for an object, without the string: a
 * deep copy that leaves out what JSON leaves out (undefined, functions,
 * symbols; null in arrays), writes non-finite numbers as null and -0 as 0,
 * and turns anything with toJSON (a Date) or that is not a plain object or
 * array into its JSON form.
 */
export function copyAsJson<T extends object>(value: T): T {
  return asJson(value) as T;
}

function asJson(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value + 0 : null;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      out[i] = omitted(v) ? null : asJson(v);
    }
    return out;
  }
  if (!isPlain(value)) return JSON.parse(JSON.stringify(value) ?? "null");
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (omitted(v)) continue;
    const c = asJson(v);
    if (k === "__proto__") Object.defineProperty(out, k, ownValue(c));
    else out[k] = c;
  }
  return out;
}

/**
 * Whether JSON.stringify(a) === JSON.stringify(b), without building either
 * string: same keys in the same order (keys whose value JSON leaves out, such
 * as undefined, do not count), equal values. For plain JSON values only:
 * anything else (a Date, a class instance, a toJSON method) is compared by
 * stringifying it. `anyOrder`: an object's members may come in another order
 * (texts that parse to the same JSON value).
 */
export function sameJson(a: unknown, b: unknown, anyOrder = false): boolean {
  if (a === b) return typeof a !== "number" || Number.isFinite(a) || sameNonFinite(a, b);
  if (typeof a === "number" && typeof b === "number") return sameNonFinite(a, b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return omitted(a) && omitted(b) ? true : jsonOrNull(a) === jsonOrNull(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++)
      if (!sameJson(inArray(a[i]), inArray(b[i]), anyOrder)) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlain(a) || !isPlain(b))
    return JSON.stringify(a) === JSON.stringify(b);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < ka.length && omitted(ra[ka[i]!])) i++;
    while (j < kb.length && omitted(rb[kb[j]!])) j++;
    if (i === ka.length || j === kb.length) return i === ka.length && j === kb.length;
    if (ka[i] !== kb[j]) return anyOrder && sameMembers(ra, ka, i, rb, kb, j);
    if (!sameJson(ra[ka[i]!], rb[kb[j]!], anyOrder)) return false;
    i++;
    j++;
  }
}

/**
 * The members of `a` from its key `i` on and those of `b` from `j` on, in
 * any order (the keys before were the same in both, in the same order).
 */
function sameMembers(
  a: Record<string, unknown>,
  ka: string[],
  i: number,
  b: Record<string, unknown>,
  kb: string[],
  j: number,
): boolean {
  let left = 0;
  for (; j < kb.length; j++) if (!omitted(b[kb[j]!])) left++;
  for (; i < ka.length; i++) {
    const k = ka[i]!;
    if (omitted(a[k])) continue;
    if (!Object.hasOwn(b, k) || omitted(b[k]) || !sameJson(a[k], b[k], true)) return false;
    left--;
  }
  return left === 0;
}

/** Values JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/** An array element as JSON.stringify writes it: left-out values become null. */
function inArray(v: unknown): unknown {
  return omitted(v) ? null : v;
}

/** A primitive (or object vs primitive) as JSON text; left-out values as "null". */
function jsonOrNull(v: unknown): string {
  return omitted(v) ? "null" : (JSON.stringify(v) ?? "null");
}

/** NaN and ±Infinity are written as null. */
function sameNonFinite(a: number, b: unknown): boolean {
  if (typeof b === "number") return Number.isFinite(a) || Number.isFinite(b) ? a === b : true;
  return b === null && !Number.isFinite(a);
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (v as { toJSON?: unknown }).toJSON !== "function"
  );
}

function ownValue(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
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
  // for-in over own keys, not Object.keys: no key arrays allocated (JSON
  // objects inherit no enumerable keys; "__proto__" from JSON.parse is own).
  let keys = 0;
  for (const k in ra) {
    if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
    keys++;
  }
  for (const _ in rb) if (--keys < 0) return false;
  return keys === 0;
}

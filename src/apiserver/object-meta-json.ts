/**
 * Equality of two values as their JSON texts would compare, without writing
 * the texts: what specChanged asks on every update (is the spec the same?).
 */

/** Whether `v` is an object JSON.stringify writes as its own keys (no toJSON, plain prototype). */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (v as { toJSON?: unknown }).toJSON !== "function"
  );
}

/**
 * True/false when `JSON.stringify` of `a` and `b` with object keys sorted
 * would be equal/different; undefined when the values hold anything whose
 * text is not plain (undefined, functions, non-finite numbers, bigints,
 * toJSON, class instances): the caller then compares the texts.
 */
export function sameSortedJson(a: unknown, b: unknown): boolean | undefined {
  if (a === b) {
    if (typeof a === "object" || typeof a === "string" || typeof a === "boolean") return true;
    return typeof a === "number" && Number.isFinite(a) ? true : undefined;
  }
  const ta = typeof a;
  const tb = typeof b;
  if (!plainType(a, ta) || !plainType(b, tb)) return undefined;
  if (ta !== "object" || tb !== "object" || a === null || b === null) {
    // Two different scalars, or a scalar and a container (or null).
    return false;
  }
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return false;
  if (arrayA) {
    const la = a as unknown[];
    const lb = b as unknown[];
    if (la.length !== lb.length) return false;
    let result: boolean | undefined = true;
    for (let i = 0; i < la.length; i++) {
      const r = sameSortedJson(la[i], lb[i]);
      if (r === undefined) return undefined;
      if (!r) result = false;
    }
    return result;
  }
  if (!isPlainObject(a as object) || !isPlainObject(b as object)) return undefined;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  let result: boolean | undefined = true;
  for (const k in ra) {
    if (!Object.hasOwn(ra, k)) return undefined;
    count++;
    if (!Object.hasOwn(rb, k)) {
      result = false;
      continue;
    }
    const r = sameSortedJson(ra[k], rb[k]);
    if (r === undefined) return undefined;
    if (!r) result = false;
  }
  for (const k in rb) {
    if (!Object.hasOwn(rb, k)) return undefined;
    count--;
  }
  if (count !== 0) result = false;
  // Values only one side holds may still be unusual (undefined is written as nothing).
  if (result === false) return scanPlain(a) && scanPlain(b) ? false : undefined;
  return result;
}

/** Whether a value of JS type `t` is one this comparison understands (containers checked later). */
function plainType(v: unknown, t: string): boolean {
  if (t === "string" || t === "boolean" || t === "object") return true;
  return t === "number" && Number.isFinite(v as number);
}

/** True when everything in `v` is plain JSON: strings, booleans, finite numbers, null, plain objects, arrays. */
function scanPlain(v: unknown): boolean {
  const t = typeof v;
  if (!plainType(v, t)) return false;
  if (t !== "object" || v === null) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!scanPlain(x)) return false;
    return true;
  }
  if (!isPlainObject(v as object)) return false;
  for (const k in v as Record<string, unknown>) {
    if (!Object.hasOwn(v as object, k)) return false;
    if (!scanPlain((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

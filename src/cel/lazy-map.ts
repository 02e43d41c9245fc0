/**
 * A CEL map whose values are computed on first access and then kept, as
 * upstream's lazy.MapValue (admission policies bind `variables` to one, so
 * a variable runs only when an expression reads it). A value that fails to
 * compute is a CEL error value: reading it fails the expression, unless a
 * logical operator's other side decides (`true || variables.bad`).
 */
import { celError, celMap, type CelMap, type CelValue } from "@bufbuild/cel";

/** What computing one value gave. */
export type LazyValue = { ok: true; value: CelValue } | { ok: false; message: string };

/** A map over `names` whose values `compute` gives on first access. */
export function lazyCelMap(names: readonly string[], compute: (name: string) => LazyValue): CelMap {
  const known = new Set(names);
  const cache = new Map<string, unknown>();
  const get = (key: unknown): unknown => {
    if (typeof key !== "string" || !known.has(key)) return undefined;
    if (!cache.has(key)) {
      const r = compute(key);
      cache.set(key, r.ok ? r.value : celError(r.message));
    }
    return cache.get(key);
  };
  function* entries(): Generator<[string, unknown]> {
    for (const k of known) yield [k, get(k)];
  }
  // The map is a CelMap by inheritance (the library marks maps with a
  // private symbol); every read goes through `get`.
  const m = Object.create(celMap(new Map())) as Record<string | symbol, unknown>;
  Object.defineProperty(m, "size", { get: () => known.size });
  m.get = get;
  m.has = (key: unknown) => typeof key === "string" && known.has(key);
  m.keys = () => known.values();
  m.values = function* () {
    for (const [, v] of entries()) yield v;
  };
  m.entries = entries;
  m.forEach = (cb: (v: unknown, k: string, map: unknown) => void, thisArg?: unknown) => {
    for (const [k, v] of entries()) cb.call(thisArg, v, k, m);
  };
  m[Symbol.iterator] = entries;
  return m as unknown as CelMap;
}

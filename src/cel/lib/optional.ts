/**
 * Optional values: `optional.of(x)`, `optional.none()`,
 * `optional.ofNonZeroValue(x)`, the methods hasValue, value, orValue, and
 * the calls the `x.?f` / `x[?k]` syntax is rewritten into
 * (../optional-syntax.ts).
 */
import { isCelList, isCelMap } from "@bufbuild/cel";
import type { CelFunc, CelInput, CelValue } from "@bufbuild/cel";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";
import { OPT_CHAIN_INDEX, OPT_CHAIN_SELECT, OPT_INDEX, OPT_SELECT } from "../optional-syntax.ts";

const TAG = "optional";

/** An optional holding `v`, or none when `v` is undefined. */
export function optionalValue(v: CelValue | CelInput | undefined): CelValue {
  return v === undefined
    ? opaque(TAG, { has: false })
    : opaque(TAG, { has: true, v: v as CelInput });
}

function parts(t: CelValue): { has: boolean; v: CelValue | undefined } | undefined {
  if (opaqueTag(t) !== TAG || !isCelMap(t)) return undefined;
  return { has: t.get("has") === true, v: t.get("v") };
}

function isZero(v: CelValue): boolean {
  if (v === null || v === false || v === "" || v === 0 || v === 0n) return true;
  if (isCelList(v) || isCelMap(v)) return v.size === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return false;
}

/** `v[key]` as an optional: none when the key or index is absent; undefined: unsupported. */
function optionalEntry(v: CelValue, key: CelValue): CelValue | undefined {
  if (isCelMap(v) && opaqueTag(v) === undefined) {
    if (typeof key !== "string" && typeof key !== "bigint" && typeof key !== "boolean")
      return undefined;
    return optionalValue(v.has(key) ? v.get(key) : undefined);
  }
  if (isCelList(v) && typeof key === "bigint") {
    const i = Number(key);
    return optionalValue(i >= 0 && i < v.size ? v.get(i) : undefined);
  }
  return undefined;
}

/** `x.?f` / `x[?k]`: on an optional, none stays none and a value is looked into. */
function optionalLookup(t: CelValue, key: CelValue): CelValue | undefined {
  const p = parts(t);
  if (p) return p.has ? optionalEntry(p.v!, key) : t;
  return optionalEntry(t, key);
}

/** `x.?a.b` / `x.?a[i]`: none stays none; a present value is selected normally. */
function chained(t: CelValue, key: CelValue, what: "field" | "index"): CelValue | undefined {
  const p = parts(t);
  if (!p) return undefined;
  if (!p.has) return t;
  const entry = optionalEntry(p.v!, key);
  if (entry === undefined) return undefined;
  const got = parts(entry)!;
  if (!got.has) {
    throw new Error(
      what === "field" ? `no such key: ${String(key)}` : `index out of bounds: ${String(key)}`,
    );
  }
  return entry;
}

/** The optional functions. */
export const optionalFuncs: CelFunc[] = [
  dynMethod(OPT_SELECT, 1, (t, [k]) => optionalLookup(t, k!)),
  dynMethod(OPT_INDEX, 1, (t, [k]) => optionalLookup(t, k!)),
  dynMethod(OPT_CHAIN_SELECT, 1, (t, [k]) => chained(t, k!, "field")),
  dynMethod(OPT_CHAIN_INDEX, 1, (t, [k]) => chained(t, k!, "index")),
  dynFunc("optional.of", 1, ([v]) => optionalValue(v)),
  dynFunc("optional.none", 0, () => optionalValue(undefined)),
  dynFunc("optional.ofNonZeroValue", 1, ([v]) => optionalValue(isZero(v!) ? undefined : v)),
  dynMethod("hasValue", 0, (t) => parts(t)?.has),
  dynMethod("value", 0, (t) => {
    const p = parts(t);
    if (p === undefined) return undefined;
    if (!p.has) throw new Error("optional.none() dereference");
    return p.v;
  }),
  dynMethod("orValue", 1, (t, [d]) => {
    const p = parts(t);
    return p === undefined ? undefined : p.has ? p.v : d;
  }),
];

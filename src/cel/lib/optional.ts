/**
 * Optional values (function forms only; the parser has no `?.` syntax):
 * `optional.of(x)`, `optional.none()`, `optional.ofNonZeroValue(x)` and the
 * methods hasValue, value, orValue.
 */
import { isCelList, isCelMap } from "@bufbuild/cel";
import type { CelFunc, CelInput, CelValue } from "@bufbuild/cel";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";

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

/** The optional functions. */
export const optionalFuncs: CelFunc[] = [
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

/**
 * Optional values (cel-go's optional library, latest version as Kubernetes
 * 1.32 enables it): `optional.of(x)`, `optional.none()`,
 * `optional.ofNonZeroValue(x)`, `optional.unwrap(list)`, the methods
 * hasValue, value, or, orValue, `list.unwrapOpt()`, `list.first()`,
 * `list.last()`, and the calls the `x.?f` / `x[?k]` syntax, optional
 * list/map entries and the optMap/optFlatMap macros are rewritten into
 * (../optional-syntax.ts, ../optional-macros.ts).
 */
import { isCelList, isCelMap } from "@bufbuild/cel";
import type { CelFunc, CelInput, CelValue } from "@bufbuild/cel";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";
import {
  OPT_CHAIN_INDEX,
  OPT_CHAIN_SELECT,
  OPT_ENTRY,
  OPT_INDEX,
  OPT_SELECT,
} from "../optional-syntax.ts";
import { OPT_LIST, OPT_MAP, OPT_OF } from "../optional-macros.ts";

const TAG = "optional";
/** Tag of the marker an optional list element or map entry evaluates to. */
const ENTRY_TAG = "optional-entry";

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

/** The present values of a list of optionals; undefined when some element is not an optional. */
function unwrapAll(t: CelValue): CelValue[] | undefined {
  if (!isCelList(t)) return undefined;
  const out: CelValue[] = [];
  for (const x of t) {
    const p = parts(x);
    if (!p) return undefined;
    if (p.has) out.push(p.v!);
  }
  return out;
}

/** The optional a list element or map value marker holds; undefined for anything else. */
function entryOf(v: CelValue): { has: boolean; v: CelValue | undefined } | undefined {
  if (opaqueTag(v) !== ENTRY_TAG || !isCelMap(v)) return undefined;
  return parts(v.get("o")!);
}

/** `[a, ?b]`: absent optional elements dropped, present ones unwrapped. */
function optionalList(t: CelValue): CelValue[] | undefined {
  if (!isCelList(t)) return undefined;
  const out: CelValue[] = [];
  for (const x of t) {
    const e = entryOf(x);
    if (!e) out.push(x);
    else if (e.has) out.push(e.v!);
  }
  return out;
}

/** `{?k: v}`: entries whose optional value is absent dropped, present ones unwrapped. */
function optionalMap(t: CelValue): Map<unknown, CelValue> | undefined {
  if (!isCelMap(t)) return undefined;
  const out = new Map<unknown, CelValue>();
  for (const [k, x] of t) {
    const e = entryOf(x);
    if (!e) out.set(k, x);
    else if (e.has) out.set(k, e.v!);
  }
  return out;
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
  dynMethod("or", 1, (t, [o]) => {
    const p = parts(t);
    if (p === undefined || parts(o!) === undefined) return undefined;
    return p.has ? t : o;
  }),
  dynFunc(OPT_ENTRY, 1, ([o]) => (parts(o!) ? opaque(ENTRY_TAG, { o: o as CelInput }) : undefined)),
  dynFunc(OPT_LIST, 1, ([l]) => optionalList(l!) as CelInput | undefined),
  dynFunc(OPT_MAP, 1, ([m]) => optionalMap(m!) as CelInput | undefined),
  dynFunc(OPT_OF, 1, ([v]) => optionalValue(v)),
  dynFunc("optional.unwrap", 1, ([l]) => unwrapAll(l!) as CelInput | undefined),
  dynMethod("unwrapOpt", 0, (t) => unwrapAll(t) as CelInput | undefined),
  dynMethod("first", 0, (t) => (isCelList(t) ? optionalValue(t.get(0)) : undefined)),
  dynMethod("last", 0, (t) => (isCelList(t) ? optionalValue(t.get(t.size - 1)) : undefined)),
  dynMethod("orValue", 1, (t, [d]) => {
    const p = parts(t);
    return p === undefined ? undefined : p.has ? p.v : d;
  }),
];

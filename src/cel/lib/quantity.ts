/**
 * Kubernetes quantity library: `quantity(s)`, `isQuantity(s)` and the
 * methods isInteger, asInteger, asApproximateFloat, sign, add, sub,
 * isGreaterThan, isLessThan, compareTo. A quantity value is an opaque value
 * holding its canonical string, so equal quantities compare equal.
 */
import type { CelFunc, CelValue } from "@bufbuild/cel";
import { parseQuantity, Quantity } from "../../api/quantity.ts";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";

const TAG = "quantity";
const NANO = 1_000_000_000n;
const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/** Wraps a Quantity as a CEL value. */
export function quantityValue(q: Quantity): CelValue {
  return opaque(TAG, { v: Quantity.fromNanos(q.nanos, q.format).toString() });
}

function unwrap(v: CelValue | undefined): Quantity | undefined {
  if (opaqueTag(v) !== TAG) return undefined;
  const s = (v as unknown as { get(k: string): unknown }).get("v");
  const r = parseQuantity(String(s));
  return r.ok ? r.quantity : undefined;
}

function operand(v: CelValue | undefined): Quantity | undefined {
  if (typeof v === "bigint") return Quantity.fromNumber(v);
  return unwrap(v);
}

function binary(name: string, fn: (a: Quantity, b: Quantity) => CelValue): CelFunc {
  return dynMethod(name, 1, (t, [o]) => {
    const a = unwrap(t);
    const b = operand(o);
    return a === undefined || b === undefined ? undefined : fn(a, b);
  });
}

function unary(name: string, fn: (q: Quantity) => CelValue): CelFunc {
  return dynMethod(name, 0, (t) => {
    const q = unwrap(t);
    return q === undefined ? undefined : fn(q);
  });
}

function isInt64(q: Quantity): boolean {
  if (q.nanos % NANO !== 0n) return false;
  const v = q.nanos / NANO;
  return v <= MAX_INT64 && v >= MIN_INT64;
}

/** The quantity functions. */
export const quantityFuncs: CelFunc[] = [
  dynFunc("quantity", 1, ([s]) => {
    if (typeof s !== "string") return undefined;
    const r = parseQuantity(s);
    if (!r.ok)
      throw new Error(
        `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      );
    return quantityValue(r.quantity);
  }),
  dynFunc("isQuantity", 1, ([s]) => (typeof s === "string" ? parseQuantity(s).ok : undefined)),
  unary("isInteger", isInt64),
  unary("asInteger", (q) => {
    if (!isInt64(q)) throw new Error("cannot convert value to integer");
    return q.nanos / NANO;
  }),
  unary("asApproximateFloat", (q) => q.toNumber()),
  unary("sign", (q) => BigInt(q.cmp(Quantity.fromNanos(0n)))),
  binary("add", (a, b) => quantityValue(a.add(b))),
  binary("sub", (a, b) => quantityValue(a.sub(b))),
  binary("isGreaterThan", (a, b) => a.cmp(b) > 0),
  binary("isLessThan", (a, b) => a.cmp(b) < 0),
  binary("compareTo", (a, b) => BigInt(a.cmp(b))),
];

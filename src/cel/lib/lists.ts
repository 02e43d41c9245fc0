/**
 * Kubernetes list library: `l.isSorted()`, `l.sum()`, `l.min()`, `l.max()`,
 * `l.indexOf(x)`, `l.lastIndexOf(x)`. Each charges the list's size.
 */
import { isCelList, isCelUint } from "@bufbuild/cel";
import type { CelFunc, CelList, CelValue } from "@bufbuild/cel";
import { chargeCost } from "../context.ts";
import { dynMethod } from "./func.ts";
import { compareValues, equalValues } from "./compare.ts";

function items(t: CelValue): CelValue[] | undefined {
  if (!isCelList(t)) return undefined;
  chargeCost((t as CelList).size);
  return Array.from(t);
}

function extreme(name: string, sign: number) {
  return dynMethod(name, 0, (t) => {
    const xs = items(t);
    if (xs === undefined) return undefined;
    if (xs.length === 0) throw new Error(`${name} called on empty list`);
    let best: CelValue = xs[0]!;
    for (const x of xs.slice(1)) if (compareValues(x, best) * sign > 0) best = x;
    return best;
  });
}

function sum(xs: CelValue[]): CelValue {
  if (xs.length === 0) return 0n;
  if (xs.every((x) => typeof x === "bigint")) {
    const s = (xs as bigint[]).reduce((a, b) => a + b, 0n);
    if (s > 9223372036854775807n || s < -9223372036854775808n) throw new Error("integer overflow");
    return s;
  }
  if (xs.every((x) => typeof x === "number")) return (xs as number[]).reduce((a, b) => a + b, 0);
  if (xs.every((x) => isCelUint(x)))
    return xs.reduce((a, b) => a + (b as { value: bigint }).value, 0n);
  throw new Error("no such overload: sum of mixed or non-numeric list");
}

/** The list functions. */
export const listFuncs: CelFunc[] = [
  dynMethod("isSorted", 0, (t) => {
    const xs = items(t);
    if (xs === undefined) return undefined;
    for (let i = 1; i < xs.length; i++) if (compareValues(xs[i - 1]!, xs[i]!) > 0) return false;
    return true;
  }),
  dynMethod("sum", 0, (t) => {
    const xs = items(t);
    return xs === undefined ? undefined : sum(xs);
  }),
  extreme("min", -1),
  extreme("max", 1),
  dynMethod("indexOf", 1, (t, [x]) => {
    const xs = items(t);
    return xs === undefined ? undefined : BigInt(xs.findIndex((y) => equalValues(y, x!)));
  }),
  dynMethod("lastIndexOf", 1, (t, [x]) => {
    const xs = items(t);
    if (xs === undefined) return undefined;
    for (let i = xs.length - 1; i >= 0; i--) if (equalValues(xs[i]!, x!)) return BigInt(i);
    return -1n;
  }),
];

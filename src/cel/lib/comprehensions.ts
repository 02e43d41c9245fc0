/**
 * Run-time helpers of the two-variable comprehensions
 * (../two-var-comprehensions.ts): the [key, value] pairs of a list or map,
 * and map insertion that refuses duplicate keys as cel-go's does.
 */
import { isCelList, isCelMap } from "@bufbuild/cel";
import type { CelFunc, CelInput, CelValue } from "@bufbuild/cel";
import { ENTRIES, MAP_INSERT } from "../two-var-comprehensions.ts";
import { dynFunc } from "./func.ts";

function entries(v: CelValue): CelInput[] | undefined {
  if (isCelList(v)) return Array.from(v, (x, i) => [BigInt(i), x] as CelInput);
  if (isCelMap(v)) return Array.from(v, ([k, x]) => [k, x] as CelInput);
  return undefined;
}

function insert(
  m: CelValue,
  add: Iterable<[unknown, CelValue]>,
): Map<unknown, CelValue> | undefined {
  if (!isCelMap(m)) return undefined;
  const out = new Map<unknown, CelValue>(m);
  for (const [k, v] of add) {
    if (out.has(k)) throw new Error(`insert failed: key ${String(k)} already exists`);
    out.set(k, v);
  }
  return out;
}

/** The helper functions. */
export const comprehensionFuncs: CelFunc[] = [
  dynFunc(ENTRIES, 1, ([v]) => entries(v!)),
  dynFunc(MAP_INSERT, 3, ([m, k, v]) => insert(m!, [[k, v!]]) as CelInput | undefined),
  dynFunc(MAP_INSERT, 2, ([m, add]) =>
    isCelMap(add!) ? (insert(m!, add) as CelInput | undefined) : undefined,
  ),
];

/**
 * cel-go's sets extension (enabled in Kubernetes since 1.29):
 * `sets.contains(list, sublist)` (every element of sublist is in list),
 * `sets.equivalent(a, b)` (each contains the other) and
 * `sets.intersects(a, b)` (some element in both). Elements compare with
 * CEL equality (1 == 1.0 == 1u). Each charges the product of the sizes.
 */
import { isCelList } from "@bufbuild/cel";
import type { CelFunc, CelValue } from "@bufbuild/cel";
import { chargeCost } from "../context.ts";
import { equalValues } from "./compare.ts";
import { dynFunc } from "./func.ts";

function lists(a: CelValue, b: CelValue): [CelValue[], CelValue[]] | undefined {
  if (!isCelList(a) || !isCelList(b)) return undefined;
  chargeCost(a.size * b.size);
  return [Array.from(a), Array.from(b)];
}

const includes = (xs: CelValue[], y: CelValue) => xs.some((x) => equalValues(x, y));
const containsAll = (xs: CelValue[], ys: CelValue[]) => ys.every((y) => includes(xs, y));

/** The sets functions. */
export const setsFuncs: CelFunc[] = [
  dynFunc("sets.contains", 2, ([a, b]) => {
    const l = lists(a!, b!);
    return l && containsAll(l[0], l[1]);
  }),
  dynFunc("sets.equivalent", 2, ([a, b]) => {
    const l = lists(a!, b!);
    return l && containsAll(l[0], l[1]) && containsAll(l[1], l[0]);
  }),
  dynFunc("sets.intersects", 2, ([a, b]) => {
    const l = lists(a!, b!);
    return l && l[1].some((y) => includes(l[0], y));
  }),
];

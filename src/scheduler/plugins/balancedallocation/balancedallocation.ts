/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory (or the
 * configured resources) would be used in similar fractions after placing the
 * pod: score = (1 - standard deviation of the fractions) * 100.
 */
import { maxNodeScore, type ScorePlugin } from "../../framework/interfaces.ts";
import {
  defaultResources,
  requestedAndAllocatable,
  type ResourceSpec,
} from "../noderesourcesfit/noderesourcesfit.ts";

export const Name = "NodeResourcesBalancedAllocation";

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export function newBalancedAllocation(args: BalancedAllocationArgs = {}): ScorePlugin {
  const resources = args.resources ?? defaultResources;
  return {
    name: Name,
    score(_state, pod, node) {
      const fractions: number[] = [];
      for (const r of resources) {
        const [req, alloc] = requestedAndAllocatable(pod, node, r.name, false);
        if (alloc === 0) continue;
        fractions.push(Math.min(1, req / alloc));
      }
      let std = 0;
      if (fractions.length === 2) std = Math.abs(fractions[0]! - fractions[1]!) / 2;
      else if (fractions.length > 2) {
        const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
        std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
      }
      return Math.floor((1 - std) * maxNodeScore);
    },
  } satisfies ScorePlugin;
}

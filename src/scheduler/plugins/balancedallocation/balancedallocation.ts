/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory (or the
 * configured resources) would be used in similar fractions after placing the
 * pod: score = (1 - standard deviation of the fractions) * 100.
 */
import { maxNodeScore, type ScorePlugin } from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import {
  allocatableAmount,
  amount,
  defaultResources,
  requestedAmount,
  type ResourceSpec,
} from "../noderesourcesfit/noderesourcesfit.ts";

export const Name = "NodeResourcesBalancedAllocation";

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

/** The share of one resource the node's pods plus this pod would use (capped at 1); -1 when the node has none. */
function fraction(pod: PodInfo, node: NodeInfo, name: string): number {
  const alloc = allocatableAmount(node, name);
  if (alloc === 0) return -1;
  return Math.min(1, (requestedAmount(node, name) + amount(pod.requests, name)) / alloc);
}

export function newBalancedAllocation(args: BalancedAllocationArgs = {}): ScorePlugin {
  const names = (args.resources ?? defaultResources).map((r) => r.name);
  return {
    name: Name,
    // Runs once per feasible node: two passes over the resources, no allocation.
    score(_state, pod, node) {
      let n = 0;
      let sum = 0;
      let first = 0;
      let second = 0;
      for (let i = 0; i < names.length; i++) {
        const f = fraction(pod, node, names[i]!);
        if (f < 0) continue;
        if (n === 0) first = f;
        else if (n === 1) second = f;
        n++;
        sum += f;
      }
      let std = 0;
      if (n === 2) std = Math.abs(first - second) / 2;
      else if (n > 2) {
        const mean = sum / n;
        let sq = 0;
        for (let i = 0; i < names.length; i++) {
          const f = fraction(pod, node, names[i]!);
          if (f >= 0) sq += (f - mean) ** 2;
        }
        std = Math.sqrt(sq / n);
      }
      return Math.floor((1 - std) * maxNodeScore);
    },
  } satisfies ScorePlugin;
}

/**
 * Upstream FitError.Error(): "0/N nodes are available: <histogram>." where the
 * histogram counts each reason over the nodes ("3 Insufficient cpu"), sorted
 * as strings, followed by the PostFilter (preemption) message if any. When a
 * PreFilter plugin rejected the pod, its message replaces the histogram.
 */
import type { Status } from "./status.ts";

export const NoNodeAvailableMsg = "0/%d nodes are available";

export function fitErrorMessage(
  numAllNodes: number,
  nodeStatuses: ReadonlyMap<string, Status>,
  opts: { preFilterMsg?: string; postFilterMsg?: string } = {},
): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (opts.preFilterMsg) msg += ` ${opts.preFilterMsg}.`;
  else {
    const histogram = new Map<string, number>();
    for (const s of nodeStatuses.values()) {
      for (const r of s.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
    }
    const parts = [...histogram].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(", ")}.`;
  }
  if (opts.postFilterMsg) msg += ` ${opts.postFilterMsg}`;
  return msg;
}

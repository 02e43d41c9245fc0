/**
 * NodeAffinity: spec.nodeSelector (every label must match) and
 * requiredDuringSchedulingIgnoredDuringExecution filter; the weights of the
 * matching preferredDuringSchedulingIgnoredDuringExecution terms score.
 * Args: addedAffinity (a NodeAffinity every pod of the profile must also meet).
 */
import type { NodeAffinity, Pod, PreferredSchedulingTerm } from "kubernetes-types/core/v1.d.ts";
import type {
  EnqueueExtensions,
  FilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import { skip, unresolvable } from "../../framework/status.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";
import { nodeSelectorMatches, nodeSelectorTermMatches } from "../helper/node-selector.ts";

export const Name = "NodeAffinity";
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
const stateKey = "PreScore" + Name;

export interface NodeAffinityArgs {
  addedAffinity?: NodeAffinity;
}

/** Whether the node meets the pod's nodeSelector and required node affinity. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: NodeInfo): boolean {
  const n = node.node;
  if (!n) return false;
  const sel = pod.spec?.nodeSelector;
  if (sel) {
    const labels = n.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) return false;
  }
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !req || nodeSelectorMatches(req, n);
}

export function newNodeAffinity(
  args: NodeAffinityArgs = {},
): FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const added = args.addedAffinity;
  return {
    name: Name,
    filter(_state, pod, node) {
      if (!node.node) return unresolvable("node not found");
      const req = added?.requiredDuringSchedulingIgnoredDuringExecution;
      if (req && !nodeSelectorMatches(req, node.node)) return unresolvable(ErrReasonEnforced);
      return podMatchesNodeSelectorAndAffinity(pod.pod, node) ? null : unresolvable(ErrReasonPod);
    },
    preScore(state, pod) {
      const terms: PreferredSchedulingTerm[] = [
        ...(added?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ??
          []),
      ].filter((t) => t.weight !== 0);
      if (terms.length === 0) return skip();
      state.write(stateKey, terms);
      return null;
    },
    score(state, _pod, node) {
      const terms = state.read<PreferredSchedulingTerm[]>(stateKey) ?? [];
      let total = 0;
      for (const t of terms)
        if (node.node && nodeSelectorTermMatches(t.preference, node.node)) total += t.weight;
      return total;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, false);
    },
    eventsToRegister: () => [{ resource: "Node", actions: ["Add", "Update"] }],
  } satisfies FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
}

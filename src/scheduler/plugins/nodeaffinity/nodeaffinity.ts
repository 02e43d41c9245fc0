/**
 * NodeAffinity: spec.nodeSelector (every label must match) and
 * requiredDuringSchedulingIgnoredDuringExecution filter; the weights of the
 * matching preferredDuringSchedulingIgnoredDuringExecution terms score.
 * Args: addedAffinity (a NodeAffinity every pod of the profile must also meet).
 *
 * As upstream, PreFilter returns Skip for a pod with neither a nodeSelector
 * nor required node affinity (and no addedAffinity), so Filter is not run.
 * A pod's selectors are compiled once per PodInfo, not once per node.
 */
import type { NodeAffinity, Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  EnqueueExtensions,
  FilterPlugin,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { skip, unresolvable } from "../../framework/status.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";
import {
  compileNodeSelector,
  compileNodeSelectorTerm,
  type NodeMatcher,
} from "../helper/node-selector.ts";

export const Name = "NodeAffinity";
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
const stateKey = "PreScore" + Name;

export interface NodeAffinityArgs {
  addedAffinity?: NodeAffinity;
}

/** The pod's nodeSelector and required node affinity as one matcher (undefined: matches every node). */
export function requiredNodeAffinityOf(pod: Pod): NodeMatcher | undefined {
  const sel = Object.entries(pod.spec?.nodeSelector ?? {});
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinity = req ? compileNodeSelector(req) : undefined;
  if (!sel.length) return affinity;
  return (labels, name) => {
    for (const [k, v] of sel) if (labels[k] !== v) return false;
    return !affinity || affinity(labels, name);
  };
}

/** Compiled matchers by pod object (a memo: pods are immutable once cached or queued). */
const compiled = new WeakMap<Pod, NodeMatcher | null>();

function matcherOf(pod: Pod): NodeMatcher | null {
  let m = compiled.get(pod);
  if (m === undefined) compiled.set(pod, (m = requiredNodeAffinityOf(pod) ?? null));
  return m;
}

/** Whether the node meets the pod's nodeSelector and required node affinity. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: NodeInfo): boolean {
  if (!node.node) return false;
  const m = matcherOf(pod);
  return !m || m(node.labels, node.name);
}

interface WeightedMatcher {
  weight: number;
  matches: NodeMatcher;
}

export function newNodeAffinity(
  args: NodeAffinityArgs = {},
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const added = args.addedAffinity;
  const addedRequired = added?.requiredDuringSchedulingIgnoredDuringExecution
    ? compileNodeSelector(added.requiredDuringSchedulingIgnoredDuringExecution)
    : undefined;
  const addedPreferred: WeightedMatcher[] = (
    added?.preferredDuringSchedulingIgnoredDuringExecution ?? []
  )
    .filter((t) => t.weight !== 0)
    .map((t) => ({ weight: t.weight, matches: compileNodeSelectorTerm(t.preference) }));
  // Every rejection of one reason is the same immutable Status (thousands of nodes per pod).
  const rejectPod = unresolvable(ErrReasonPod);
  const rejectEnforced = unresolvable(ErrReasonEnforced);
  const notFound = unresolvable("node not found");
  let lastPod: Pod | undefined;
  let lastMatcher: NodeMatcher | null = null;
  const preferredOf = (pod: PodInfo): WeightedMatcher[] => [
    ...addedPreferred,
    ...(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      .filter((t) => t.weight !== 0)
      .map((t) => ({ weight: t.weight, matches: compileNodeSelectorTerm(t.preference) })),
  ];
  return {
    name: Name,
    preFilter(_state, pod) {
      const spec = pod.pod.spec;
      const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (!addedRequired && !spec?.nodeSelector && !required) return skip();
      return null;
    },
    filter(_state, pod, node) {
      if (!node.node) return notFound;
      if (addedRequired && !addedRequired(node.labels, node.name)) return rejectEnforced;
      // The cycle calls Filter for one pod over many nodes: look the matcher up once.
      if (pod.pod !== lastPod) {
        lastPod = pod.pod;
        lastMatcher = matcherOf(pod.pod);
      }
      return !lastMatcher || lastMatcher(node.labels, node.name) ? null : rejectPod;
    },
    preScore(state, pod) {
      const terms = preferredOf(pod);
      if (terms.length === 0) return skip();
      state.write(stateKey, terms);
      return null;
    },
    score(state, pod, node) {
      const terms = state.read<WeightedMatcher[]>(stateKey) ?? preferredOf(pod);
      if (!node.node) return 0;
      let total = 0;
      for (const t of terms) if (t.matches(node.labels, node.name)) total += t.weight;
      return total;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, false);
    },
    eventsToRegister: () => [{ resource: "Node", actions: ["Add", "Update"] }],
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
}

/**
 * PodTopologySpread: DoNotSchedule constraints filter nodes whose domain
 * would exceed maxSkew (honouring minDomains, nodeAffinityPolicy,
 * nodeTaintsPolicy and matchLabelKeys); ScheduleAnyway constraints score
 * emptier domains higher. Pods without constraints get the cluster default
 * constraints (args.defaultConstraints, or the system defaults: hostname
 * maxSkew 3 and zone maxSkew 5, ScheduleAnyway) when they belong to a
 * service, replica set, replication controller or stateful set.
 */
import type { Pod, TopologySpreadConstraint } from "kubernetes-types/core/v1.d.ts";
import type { CycleState } from "../../framework/cycle-state.ts";
import type {
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from "../../framework/interfaces.ts";
import { maxNodeScore } from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { skip, unresolvable, unschedulable, type MaybeStatus } from "../../framework/status.ts";
import { podMatchesNodeSelectorAndAffinity } from "../nodeaffinity/nodeaffinity.ts";
import { findUntoleratedTaint } from "../helper/taints.ts";
import { buildConstraints, defaultSelector, type Constraint } from "./constraints.ts";
import { NodeMemo } from "../../framework/node-memo.ts";

export const Name = "PodTopologySpread";
export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch =
  ErrReasonConstraintsNotMatch + " (missing required label)";

const preFilterKey = "PreFilter" + Name;
const preScoreKey = "PreScore" + Name;
const taintEffects = new Set(["NoSchedule", "NoExecute"]);

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  defaultingType?: "System" | "List";
}

export const systemDefaultConstraints: TopologySpreadConstraint[] = [
  { topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
];

/** Matching pods per domain (topology value), one map per constraint; the minimum is cached. */
class SpreadState {
  private mins: (number | undefined)[];

  constructor(
    readonly constraints: Constraint[],
    readonly counts: Map<string, number>[] = constraints.map(() => new Map()),
  ) {
    this.mins = constraints.map(() => undefined);
  }

  clone(): SpreadState {
    return new SpreadState(
      this.constraints,
      this.counts.map((m) => new Map(m)),
    );
  }

  add(i: number, value: string, by: number): void {
    const m = this.counts[i]!;
    m.set(value, (m.get(value) ?? 0) + by);
    this.mins[i] = undefined;
  }

  /** Smallest count over the constraint's domains (0 when fewer than minDomains domains exist). */
  minMatch(i: number): number {
    let min = this.mins[i];
    if (min === undefined) {
      const m = this.counts[i]!;
      min = m.size < this.constraints[i]!.minDomains || m.size === 0 ? 0 : Math.min(...m.values());
      this.mins[i] = min;
    }
    return min;
  }
}

function countOnNode(c: Constraint, node: NodeInfo, ns: string): number {
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace !== ns || p.pod.metadata?.deletionTimestamp) continue;
    if (c.selector.matches(p.labels)) n++;
  }
  return n;
}

/** Whether the node counts as a domain member for the constraint (node policies). */
function nodeEligible(c: Constraint, pod: Pod, node: NodeInfo): boolean {
  if (c.nodeAffinityPolicy === "Honor" && !podMatchesNodeSelectorAndAffinity(pod, node))
    return false;
  if (
    c.nodeTaintsPolicy === "Honor" &&
    findUntoleratedTaint(node.node?.spec?.taints, pod.spec?.tolerations, taintEffects)
  )
    return false;
  return true;
}

function hasAllKeys(constraints: Constraint[], node: NodeInfo): boolean {
  return constraints.every((c) => node.labels[c.topologyKey] !== undefined);
}

export function newPodTopologySpread(
  args: PodTopologySpreadArgs,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  // Matching-pod counts per node, by selector and namespace.
  const memo = new NodeMemo<number>();
  const count = (c: Constraint, node: NodeInfo, ns: string): number =>
    memo.get(node, `${ns}|${c.selectorKey}`, () => countOnNode(c, node, ns));
  const defaults =
    args.defaultingType === "List" ? (args.defaultConstraints ?? []) : systemDefaultConstraints;

  const constraintsFor = (pod: PodInfo, mode: "DoNotSchedule" | "ScheduleAnyway"): Constraint[] => {
    const own = pod.pod.spec?.topologySpreadConstraints ?? [];
    if (own.length)
      return buildConstraints(
        own.filter((c) => c.whenUnsatisfiable === mode),
        pod.pod,
      );
    const wanted = defaults.filter((c) => c.whenUnsatisfiable === mode);
    if (!wanted.length) return [];
    const sel = defaultSelector(pod.pod, handle);
    if (!sel) return [];
    return buildConstraints(wanted, pod.pod, sel);
  };

  const accountPod =
    (by: number) =>
    (state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): MaybeStatus => {
      const s = state.read<SpreadState>(preFilterKey);
      if (!s || other.namespace !== pod.namespace) return null;
      if (!hasAllKeys(s.constraints, node)) return null;
      s.constraints.forEach((c, i) => {
        if (nodeEligible(c, pod.pod, node) && c.selector.matches(other.labels))
          s.add(i, node.labels[c.topologyKey]!, by);
      });
      return null;
    };

  return {
    name: Name,
    preFilter(state, pod, nodes) {
      const constraints = constraintsFor(pod, "DoNotSchedule");
      if (!constraints.length) return skip();
      const s = new SpreadState(constraints);
      for (const node of nodes) {
        if (!node.node || !hasAllKeys(constraints, node)) continue;
        constraints.forEach((c, i) => {
          if (nodeEligible(c, pod.pod, node))
            s.add(i, node.labels[c.topologyKey]!, count(c, node, pod.namespace));
        });
      }
      state.write(preFilterKey, s);
      return null;
    },
    preFilterExtensions: () => ({ addPod: accountPod(1), removePod: accountPod(-1) }),
    filter(state, pod, node) {
      const s = state.read<SpreadState>(preFilterKey);
      if (!s) return null;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const value = node.labels[c.topologyKey];
        if (value === undefined) return unresolvable(ErrReasonNodeLabelNotMatch);
        const self = c.selector.matches(pod.labels) ? 1 : 0;
        const matched = s.counts[i]!.get(value) ?? 0;
        if (matched + self - s.minMatch(i) > c.maxSkew)
          return unschedulable(ErrReasonConstraintsNotMatch);
      }
      return null;
    },
    preScore(state, pod, nodes) {
      const constraints = constraintsFor(pod, "ScheduleAnyway");
      if (!constraints.length) return skip();
      const counts = new Map<string, number>();
      const domains = constraints.map(() => new Set<string>());
      const filtered = new Set(nodes.map((n) => n.name));
      for (const node of handle.snapshot().nodeInfoList()) {
        if (!hasAllKeys(constraints, node)) continue;
        constraints.forEach((c, i) => {
          if (!nodeEligible(c, pod.pod, node)) return;
          const isHost = c.topologyKey === "kubernetes.io/hostname";
          if (isHost && !filtered.has(node.name)) return;
          const value = node.labels[c.topologyKey]!;
          if (filtered.has(node.name)) domains[i]!.add(value);
          const k = `${c.topologyKey}\0${value}`;
          counts.set(k, (counts.get(k) ?? 0) + count(c, node, pod.namespace));
        });
      }
      const weights = domains.map((d) => Math.log(d.size + 2));
      state.write(preScoreKey, { constraints, counts, weights });
      return null;
    },
    score(state, _pod, node) {
      const s = state.read<{
        constraints: Constraint[];
        counts: Map<string, number>;
        weights: number[];
      }>(preScoreKey);
      if (!s) return 0;
      if (!hasAllKeys(s.constraints, node)) return -1;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const n = s.counts.get(`${c.topologyKey}\0${node.labels[c.topologyKey]}`) ?? 0;
        score += n * s.weights[i]! + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(_state, _pod, scores) {
      let min = Infinity;
      let max = 0;
      for (const s of scores) {
        if (s.score < 0) continue;
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      for (const s of scores) {
        if (s.score < 0) s.score = 0;
        else if (max === 0) s.score = maxNodeScore;
        else s.score = Math.floor((maxNodeScore * (max + min - s.score)) / max);
      }
    },
    eventsToRegister: () => [
      { resource: "Pod", actions: ["Add", "Update", "Delete"] },
      { resource: "Node", actions: ["Add", "Update", "Delete"] },
    ],
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
}

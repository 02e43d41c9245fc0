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
import { buildConstraints, defaultSelector, type Constraint } from "./constraints.ts";
import { PodCountMemo } from "../../framework/pod-count-memo.ts";
import { AggregateCache } from "../../framework/node-aggregate.ts";
import {
  aggregateKey,
  nodeCounter,
  domainCountsSpec,
  DomainCounts,
  hasAllKeys,
  nodeEligible,
  SpreadState,
} from "./spread-counts.ts";

export const Name = "PodTopologySpread";
export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch =
  ErrReasonConstraintsNotMatch + " (missing required label)";

const preFilterKey = "PreFilter" + Name;
const preScoreKey = "PreScore" + Name;
const hostnameKey = "kubernetes.io/hostname";

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  defaultingType?: "System" | "List";
}

export const systemDefaultConstraints: TopologySpreadConstraint[] = [
  { topologyKey: hostnameKey, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
];

interface PreScoreState {
  constraints: Constraint[];
  /** Totals per constraint over all eligible nodes (undefined for hostname: counted per node). */
  counts: (DomainCounts | undefined)[];
  /** Per-node counters of the hostname constraints (undefined for the others). */
  perNode: (((node: NodeInfo) => number) | undefined)[];
  weights: number[];
  /** Feasible nodes lacking a required topology key: scored 0. */
  ignored: Set<NodeInfo>;
}

export function newPodTopologySpread(
  args: PodTopologySpreadArgs,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  // Matching-pod counts per node, by selector and namespace, kept by delta.
  const tallies = new PodCountMemo();
  // Per-domain totals over all nodes, kept up to date from the cache's change journal.
  const aggregates = new AggregateCache<{ domain: string; pods: number }, DomainCounts>();
  const totals = (c: Constraint, pod: Pod, required: readonly Constraint[]): DomainCounts =>
    aggregates.sync(aggregateKey(c, pod, required), handle.snapshot(), () =>
      domainCountsSpec(c, pod, required, nodeCounter(tallies, c, pod.metadata?.namespace ?? "")),
    );
  // Every rejection of one reason is the same immutable Status (thousands of nodes per pod).
  const rejectLabel = unresolvable(ErrReasonNodeLabelNotMatch);
  const rejectSkew = unschedulable(ErrReasonConstraintsNotMatch);
  const systemDefaulted = args.defaultingType !== "List";
  const defaults = systemDefaulted ? systemDefaultConstraints : (args.defaultConstraints ?? []);

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
    /** `nodes` must be the snapshot's node list (the totals are kept over it). */
    preFilter(state, pod) {
      const constraints = constraintsFor(pod, "DoNotSchedule");
      if (!constraints.length) return skip();
      const counts = constraints.map((c) => totals(c, pod.pod, constraints));
      const self = constraints.map((c) => (c.selector.matches(pod.labels) ? 1 : 0));
      state.write(preFilterKey, new SpreadState(constraints, counts, self));
      return null;
    },
    preFilterExtensions: () => ({ addPod: accountPod(1), removePod: accountPod(-1) }),
    filter(state, _pod, node) {
      const s = state.read<SpreadState>(preFilterKey);
      if (!s) return null;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const value = node.labels[c.topologyKey];
        if (value === undefined) return rejectLabel;
        if (s.count(i, value) + s.self[i]! - s.minMatch(i) > c.maxSkew) return rejectSkew;
      }
      return null;
    },
    preScore(state, pod, nodes) {
      const constraints = constraintsFor(pod, "ScheduleAnyway");
      if (!constraints.length) return skip();
      // As upstream: system-default constraints do not require every topology key on a node.
      const requireAll = !!pod.pod.spec?.topologySpreadConstraints?.length || !systemDefaulted;
      const ignored = new Set<NodeInfo>();
      const domains = constraints.map(() => new Set<string>());
      for (const node of nodes) {
        if (requireAll && !hasAllKeys(constraints, node)) {
          ignored.add(node);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey !== hostnameKey) domains[i]!.add(node.labels[c.topologyKey] ?? "");
        });
      }
      const candidates = nodes.length - ignored.size;
      const weights = constraints.map((c, i) =>
        Math.log((c.topologyKey === hostnameKey ? candidates : domains[i]!.size) + 2),
      );
      const counts = constraints.map((c) =>
        c.topologyKey === hostnameKey
          ? undefined
          : totals(c, pod.pod, requireAll ? constraints : [c]),
      );
      const perNode = constraints.map((c) =>
        c.topologyKey === hostnameKey ? nodeCounter(tallies, c, pod.namespace) : undefined,
      );
      state.write<PreScoreState>(preScoreKey, { constraints, counts, perNode, weights, ignored });
      return null;
    },
    score(state, pod, node) {
      const s = state.read<PreScoreState>(preScoreKey);
      if (!s) return 0;
      if (s.ignored.has(node)) return -1;
      let score = 0;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const value = node.labels[c.topologyKey];
        if (value === undefined) continue;
        const totals = s.counts[i];
        const n = totals ? (totals.counts.get(value) ?? 0) : s.perNode[i]!(node);
        score += n * s.weights[i]! + (c.maxSkew - 1);
      }
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

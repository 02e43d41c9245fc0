/**
 * InterPodAffinity: required pod affinity and anti-affinity (of the incoming
 * pod, and existing pods' required anti-affinity against it) filter; the
 * preferred terms of both sides score, per topology domain. Namespaces come
 * from the term's namespaces or namespaceSelector (default: the pod's own).
 * Args: hardPodAffinityWeight (default 1): the score weight of existing pods'
 * required affinity terms.
 */
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
import { termMatches, type AffinityTerm, type PodInfo } from "../../framework/pod-info.ts";
import { skip, unresolvable, unschedulable, type MaybeStatus } from "../../framework/status.ts";
import type { CycleState } from "../../framework/cycle-state.ts";
import { AggregateCache, type AggregateSpec } from "../../framework/node-aggregate.ts";
import { TopologyCounts } from "./topology-counts.ts";

export const Name = "InterPodAffinity";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
export const ErrReasonExistingAntiAffinityRulesNotMatch =
  "node(s) didn't satisfy existing pods anti-affinity rules";

const preFilterKey = "PreFilter" + Name;
const preScoreKey = "PreScore" + Name;

/**
 * PreFilter's counts. Shared states read totals owned by the plugin's
 * aggregates (valid for this cycle only); clones own copies and may be
 * changed (preemption what-ifs).
 */
class PreFilterState {
  constructor(
    readonly existingAntiAffinity = new TopologyCounts(),
    readonly affinity = new TopologyCounts(),
    readonly antiAffinity = new TopologyCounts(),
    readonly shared = false,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.existingAntiAffinity.copy(),
      this.affinity.copy(),
      this.antiAffinity.copy(),
    );
  }
}

/** One (topology key, value) count a node contributes; `to` picks the total it goes to. */
interface Pair {
  to: 0 | 1;
  key: string;
  value: string;
  n: number;
}

/** Per-node pair lists folded into two TopologyCounts (NodeAggregate spec). */
function pairsSpec(
  scan: (node: NodeInfo) => { pairs: Pair[]; volatile: boolean } | undefined,
  candidates?: AggregateSpec<Pair[], [TopologyCounts, TopologyCounts]>["candidates"],
): AggregateSpec<Pair[], [TopologyCounts, TopologyCounts]> {
  return {
    candidates,
    init: () => [new TopologyCounts(), new TopologyCounts()],
    contribution(node) {
      const r = scan(node);
      return r && (r.pairs.length || r.volatile)
        ? { value: r.pairs, volatile: r.volatile }
        : undefined;
    },
    apply(total, pairs, sign) {
      for (const p of pairs) total[p.to].bumpValue(p.key, p.value, sign * p.n);
    },
  };
}

/** A pair for the node's value of key (none when the node lacks the label or n is 0). */
function pushPair(out: Pair[], to: 0 | 1, node: NodeInfo, key: string, n: number): void {
  const value = node.labels[key];
  if (value !== undefined && n !== 0) out.push({ to, key, value, n });
}

/** An aggregate key for the pod's required terms (namespaces, selector, topology key); undefined when a namespaceSelector makes it depend on namespace labels. */
function termsKey(pod: PodInfo): string | undefined {
  const parts: string[] = [];
  for (const list of [pod.requiredAffinityTerms, pod.requiredAntiAffinityTerms]) {
    for (const t of list) {
      if (t.namespaceSelector) return undefined;
      parts.push(
        `${[...t.namespaces].sort().join(",")}/${t.selector.matchesNothing ? "<nothing>" : t.selector.toString()}/${t.topologyKey}`,
      );
    }
    parts.push("|");
  }
  return parts.join(";");
}

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
}

export function newInterPodAffinity(
  args: InterPodAffinityArgs,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  // Every rejection of one reason is the same immutable Status (thousands of nodes per pod).
  const rejectAffinity = unresolvable(ErrReasonAffinityRulesNotMatch);
  const rejectAntiAffinity = unschedulable(ErrReasonAntiAffinityRulesNotMatch);
  const rejectExisting = unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch);
  const nsLabels = (ns: string) => handle.namespaceLabels(ns);
  const matchesAll = (terms: readonly AffinityTerm[], p: PodInfo) =>
    terms.every((t) => termMatches(t, p, nsLabels));

  /** Adds (by = 1) or removes (by = -1) the effect of `existing` on `node` to the counts for `pod`. */
  const account = (
    s: PreFilterState,
    pod: PodInfo,
    existing: PodInfo,
    node: NodeInfo,
    by: number,
  ) => {
    for (const t of existing.requiredAntiAffinityTerms) {
      if (termMatches(t, pod, nsLabels)) s.existingAntiAffinity.bump(node, t.topologyKey, by);
    }
    if (pod.requiredAffinityTerms.length && matchesAll(pod.requiredAffinityTerms, existing)) {
      for (const t of pod.requiredAffinityTerms) s.affinity.bump(node, t.topologyKey, by);
    }
    for (const t of pod.requiredAntiAffinityTerms) {
      if (termMatches(t, existing, nsLabels)) s.antiAffinity.bump(node, t.topologyKey, by);
    }
  };

  const extension =
    (by: number) =>
    (state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): MaybeStatus => {
      let s = state.read<PreFilterState>(preFilterKey);
      if (!s) return null;
      if (s.shared) state.write(preFilterKey, (s = s.clone()));
      account(s, pod, other, node, by);
      return null;
    };

  // Totals over all nodes, kept current from the cache's change journal.
  const aggregates = new AggregateCache<Pair[], [TopologyCounts, TopologyCounts]>();

  /** Topology keys of the existing pods' required anti-affinity terms that select `pod`. */
  const scanExisting = (node: NodeInfo, pod: PodInfo) => {
    const keys: string[] = [];
    let volatile = false;
    for (const existing of node.podsWithRequiredAntiAffinity.values()) {
      for (const t of existing.requiredAntiAffinityTerms) {
        if (t.namespaceSelector) volatile = true;
        if (termMatches(t, pod, nsLabels)) keys.push(t.topologyKey);
      }
    }
    return { keys, volatile };
  };

  /** How many pods on the node match all of the pod's affinity terms, and each anti-affinity term. */
  const scanIncoming = (node: NodeInfo, pod: PodInfo) => {
    let affinityAll = 0;
    const anti = pod.requiredAntiAffinityTerms.map(() => 0);
    for (const existing of node.pods.values()) {
      if (pod.requiredAffinityTerms.length && matchesAll(pod.requiredAffinityTerms, existing))
        affinityAll++;
      pod.requiredAntiAffinityTerms.forEach((t, i) => {
        if (termMatches(t, existing, nsLabels)) anti[i]!++;
      });
    }
    return { affinityAll, anti };
  };

  /** Existing pods' anti-affinity terms selecting `pod` (pairs to 0), per node. */
  const existingPairs = (node: NodeInfo, pod: PodInfo) => {
    if (node.podsWithRequiredAntiAffinity.size === 0) return undefined;
    const r = scanExisting(node, pod);
    const pairs: Pair[] = [];
    for (const key of r.keys) pushPair(pairs, 0, node, key, 1);
    return { pairs, volatile: r.volatile };
  };

  /** The pod's affinity (pairs to 0) and anti-affinity (pairs to 1) matches, per node. */
  const incomingPairs = (node: NodeInfo, pod: PodInfo) => {
    if (node.pods.size === 0) return undefined;
    const r = scanIncoming(node, pod);
    const pairs: Pair[] = [];
    for (const t of pod.requiredAffinityTerms)
      pushPair(pairs, 0, node, t.topologyKey, r.affinityAll);
    pod.requiredAntiAffinityTerms.forEach((t, i) =>
      pushPair(pairs, 1, node, t.topologyKey, r.anti[i]!),
    );
    return { pairs, volatile: false };
  };

  return {
    name: Name,
    preFilter(state, pod) {
      const snapshot = handle.snapshot();
      if (pod.parseErrors.length) return unresolvable(...pod.parseErrors);
      // Existing pods' anti-affinity against this pod: depends on the pod's namespace and labels only.
      const [existing] = aggregates.sync(
        `x|${pod.namespace}|${JSON.stringify(pod.labels)}`,
        snapshot,
        () =>
          pairsSpec(
            (node) => existingPairs(node, pod),
            (lister) => lister.havePodsWithRequiredAntiAffinityList(),
          ),
      );
      let affinity = new TopologyCounts();
      let antiAffinity = new TopologyCounts();
      let shared = true;
      if (pod.requiredAffinityTerms.length || pod.requiredAntiAffinityTerms.length) {
        const key = termsKey(pod);
        if (key) {
          [affinity, antiAffinity] = aggregates.sync(`i|${key}`, snapshot, () =>
            pairsSpec((node) => incomingPairs(node, pod)),
          );
        } else {
          // namespaceSelector terms read namespace labels: counted afresh.
          shared = false;
          for (const node of snapshot.nodeInfoList()) {
            for (const p of incomingPairs(node, pod)?.pairs ?? [])
              (p.to === 0 ? affinity : antiAffinity).bumpValue(p.key, p.value, p.n);
          }
        }
      }
      const nothing =
        existing.size === 0 &&
        !pod.requiredAffinityTerms.length &&
        !pod.requiredAntiAffinityTerms.length;
      if (nothing) return skip();
      const s = shared
        ? new PreFilterState(existing, affinity, antiAffinity, true)
        : new PreFilterState(existing.copy(), affinity, antiAffinity);
      state.write(preFilterKey, s);
      return null;
    },
    preFilterExtensions: () => ({ addPod: extension(1), removePod: extension(-1) }),
    filter(state, pod, node) {
      const s = state.read<PreFilterState>(preFilterKey);
      if (!s) return null;
      // Affinity: every term's domain on this node must already hold a matching pod.
      let podsExist = true;
      for (const t of pod.requiredAffinityTerms) {
        if (node.labels[t.topologyKey] === undefined) return rejectAffinity;
        if (s.affinity.at(node, t.topologyKey) <= 0) podsExist = false;
      }
      if (!podsExist) {
        // The first pod of a group with affinity to itself may go anywhere.
        const selfMatch = s.affinity.size === 0 && matchesAll(pod.requiredAffinityTerms, pod);
        if (!selfMatch) return rejectAffinity;
      }
      for (const t of pod.requiredAntiAffinityTerms) {
        if (s.antiAffinity.at(node, t.topologyKey) > 0) return rejectAntiAffinity;
      }
      if (s.existingAntiAffinity.size) {
        for (const key of s.existingAntiAffinity.keys()) {
          if (s.existingAntiAffinity.at(node, key) > 0) return rejectExisting;
        }
      }
      return null;
    },
    preScore(state, pod) {
      const snapshot = handle.snapshot();
      const preferred = [...pod.preferredAffinityTerms, ...pod.preferredAntiAffinityTerms];
      const hasPreferred = preferred.length > 0;
      if (!hasPreferred && snapshot.havePodsWithAffinityList().length === 0) return skip();
      const podVolatile = preferred.some((t) => t.namespaceSelector);
      // The pairs of one node: its pods' terms selecting this pod and this pod's preferred terms selecting them.
      const scan = (node: NodeInfo) => {
        const pods = hasPreferred ? node.pods : node.podsWithAffinity;
        if (pods.size === 0) return undefined;
        const pairs: Pair[] = [];
        let volatile = podVolatile;
        const add = (t: AffinityTerm, target: PodInfo, n: number) => {
          if (t.namespaceSelector) volatile = true;
          if (termMatches(t, target, nsLabels)) pushPair(pairs, 0, node, t.topologyKey, n);
        };
        for (const existing of pods.values()) {
          for (const t of pod.preferredAffinityTerms) add(t, existing, t.weight);
          for (const t of pod.preferredAntiAffinityTerms) add(t, existing, -t.weight);
          if (hardWeight > 0)
            for (const t of existing.requiredAffinityTerms) add(t, pod, hardWeight);
          for (const t of existing.preferredAffinityTerms) add(t, pod, t.weight);
          for (const t of existing.preferredAntiAffinityTerms) add(t, pod, -t.weight);
        }
        return { pairs, volatile };
      };
      const key = [
        "s",
        pod.namespace,
        JSON.stringify(pod.labels),
        ...[pod.preferredAffinityTerms, pod.preferredAntiAffinityTerms].map((list) =>
          list
            .map(
              (t) =>
                `${[...t.namespaces].sort().join(",")}/${t.namespaceSelector?.toString() ?? "-"}/` +
                `${t.selector.matchesNothing ? "<nothing>" : t.selector.toString()}/${t.topologyKey}/${t.weight}`,
            )
            .join(";"),
        ),
      ].join("|");
      const [scores] = aggregates.sync(key, snapshot, () =>
        pairsSpec(scan, hasPreferred ? undefined : (lister) => lister.havePodsWithAffinityList()),
      );
      if (scores.size === 0) return skip();
      state.write(preScoreKey, { scores, keys: scores.keys() });
      return null;
    },
    score(state, _pod, node) {
      const s = state.read<{ scores: TopologyCounts; keys: string[] }>(preScoreKey);
      if (!s) return 0;
      let total = 0;
      for (const key of s.keys) total += s.scores.at(node, key);
      return total;
    },
    normalizeScore(_state, _pod, scores) {
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      const diff = max - min;
      for (const s of scores)
        s.score = diff > 0 ? Math.floor((maxNodeScore * (s.score - min)) / diff) : 0;
    },
    eventsToRegister: () => [
      { resource: "Pod", actions: ["Add", "Update", "Delete"] },
      { resource: "Node", actions: ["Add", "Update"] },
    ],
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
}

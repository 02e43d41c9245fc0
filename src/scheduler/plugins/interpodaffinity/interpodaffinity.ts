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
import { NodeMemo } from "../../framework/node-memo.ts";

export const Name = "InterPodAffinity";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
export const ErrReasonExistingAntiAffinityRulesNotMatch =
  "node(s) didn't satisfy existing pods anti-affinity rules";

const preFilterKey = "PreFilter" + Name;
const preScoreKey = "PreScore" + Name;

/** Counts of matching pods per topology key, then value. */
class TopologyCounts {
  private readonly byKey: Map<string, Map<string, number>>;
  /** Number of (key, value) pairs with a non-zero count. */
  size = 0;
  private keyCache: string[] | undefined;

  constructor(from?: TopologyCounts) {
    this.byKey = new Map();
    if (from) {
      for (const [k, m] of from.byKey) this.byKey.set(k, new Map(m));
      this.size = from.size;
    }
  }

  bump(node: NodeInfo, key: string, by: number): void {
    const value = node.labels[key];
    if (value === undefined) return;
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = new Map()));
    const before = m.get(value) ?? 0;
    const n = before + by;
    if (n === 0) {
      m.delete(value);
      if (before !== 0) this.size--;
    } else {
      m.set(value, n);
      if (before === 0) this.size++;
    }
    if ((n === 0) !== (before === 0)) this.keyCache = undefined;
  }

  at(node: NodeInfo, key: string): number {
    const value = node.labels[key];
    return value === undefined ? 0 : (this.byKey.get(key)?.get(value) ?? 0);
  }

  /** Keys with at least one non-zero value (cached until the set changes). */
  keys(): string[] {
    this.keyCache ??= [...this.byKey].filter(([, m]) => m.size > 0).map(([k]) => k);
    return this.keyCache;
  }

  copy(): TopologyCounts {
    return new TopologyCounts(this);
  }
}

class PreFilterState {
  constructor(
    readonly existingAntiAffinity = new TopologyCounts(),
    readonly affinity = new TopologyCounts(),
    readonly antiAffinity = new TopologyCounts(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.existingAntiAffinity.copy(),
      this.affinity.copy(),
      this.antiAffinity.copy(),
    );
  }
}

/** A memo key for the pod's required terms; undefined when a namespaceSelector makes it depend on namespace labels. */
function termsKey(pod: PodInfo): string | undefined {
  const parts: string[] = [];
  for (const list of [pod.requiredAffinityTerms, pod.requiredAntiAffinityTerms]) {
    for (const t of list) {
      if (t.namespaceSelector) return undefined;
      parts.push(
        `${[...t.namespaces].sort().join(",")}/${t.selector.matchesNothing ? "<nothing>" : t.selector.toString()}`,
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
  const nsLabels = (ns: string) => handle.namespaceLabels(ns);
  const matchesAll = (terms: AffinityTerm[], p: PodInfo) =>
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
      const s = state.read<PreFilterState>(preFilterKey);
      if (s) account(s, pod, other, node, by);
      return null;
    };

  const existingMemo = new NodeMemo<{ keys: string[]; volatile: boolean }>();
  const incomingMemo = new NodeMemo<{ affinityAll: number; anti: number[] }>();

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

  return {
    name: Name,
    preFilter(state, pod) {
      const snapshot = handle.snapshot();
      const s = new PreFilterState();
      if (pod.parseErrors.length) return unresolvable(...pod.parseErrors);
      // Existing pods' anti-affinity against this pod: memoized per node by the pod's namespace and labels.
      const selfKey = `x|${pod.namespace}|${JSON.stringify(pod.labels)}`;
      for (const node of snapshot.havePodsWithRequiredAntiAffinityList()) {
        let r = existingMemo.get(node, selfKey, () => scanExisting(node, pod));
        if (r.volatile) r = scanExisting(node, pod);
        for (const key of r.keys) s.existingAntiAffinity.bump(node, key, 1);
      }
      const affinity = pod.requiredAffinityTerms;
      const anti = pod.requiredAntiAffinityTerms;
      if (affinity.length || anti.length) {
        const key = termsKey(pod);
        for (const node of snapshot.nodeInfoList()) {
          if (node.pods.size === 0) continue;
          const r = key
            ? incomingMemo.get(node, key, () => scanIncoming(node, pod))
            : scanIncoming(node, pod);
          if (r.affinityAll)
            for (const t of affinity) s.affinity.bump(node, t.topologyKey, r.affinityAll);
          for (let i = 0; i < anti.length; i++)
            if (r.anti[i]) s.antiAffinity.bump(node, anti[i]!.topologyKey, r.anti[i]!);
        }
      }
      const nothing =
        s.existingAntiAffinity.size === 0 &&
        !pod.requiredAffinityTerms.length &&
        !pod.requiredAntiAffinityTerms.length;
      if (nothing) return skip();
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
        if (node.labels[t.topologyKey] === undefined)
          return unresolvable(ErrReasonAffinityRulesNotMatch);
        if (s.affinity.at(node, t.topologyKey) <= 0) podsExist = false;
      }
      if (!podsExist) {
        // The first pod of a group with affinity to itself may go anywhere.
        const selfMatch = s.affinity.size === 0 && matchesAll(pod.requiredAffinityTerms, pod);
        if (!selfMatch) return unresolvable(ErrReasonAffinityRulesNotMatch);
      }
      for (const t of pod.requiredAntiAffinityTerms) {
        if (s.antiAffinity.at(node, t.topologyKey) > 0)
          return unschedulable(ErrReasonAntiAffinityRulesNotMatch);
      }
      if (s.existingAntiAffinity.size) {
        for (const key of s.existingAntiAffinity.keys()) {
          if (s.existingAntiAffinity.at(node, key) > 0)
            return unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch);
        }
      }
      return null;
    },
    preScore(state, pod) {
      const snapshot = handle.snapshot();
      const hasPreferred =
        pod.preferredAffinityTerms.length + pod.preferredAntiAffinityTerms.length > 0;
      const withAffinity = snapshot.havePodsWithAffinityList();
      if (!hasPreferred && withAffinity.length === 0) return skip();
      const scores = new TopologyCounts();
      const process = (existing: PodInfo, node: NodeInfo) => {
        for (const t of pod.preferredAffinityTerms)
          if (termMatches(t, existing, nsLabels)) scores.bump(node, t.topologyKey, t.weight);
        for (const t of pod.preferredAntiAffinityTerms)
          if (termMatches(t, existing, nsLabels)) scores.bump(node, t.topologyKey, -t.weight);
        if (hardWeight > 0)
          for (const t of existing.requiredAffinityTerms)
            if (termMatches(t, pod, nsLabels)) scores.bump(node, t.topologyKey, hardWeight);
        for (const t of existing.preferredAffinityTerms)
          if (termMatches(t, pod, nsLabels)) scores.bump(node, t.topologyKey, t.weight);
        for (const t of existing.preferredAntiAffinityTerms)
          if (termMatches(t, pod, nsLabels)) scores.bump(node, t.topologyKey, -t.weight);
      };
      const nodes = hasPreferred ? snapshot.nodeInfoList() : withAffinity;
      for (const node of nodes) {
        const pods = hasPreferred ? node.pods : node.podsWithAffinity;
        for (const existing of pods.values()) process(existing, node);
      }
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

/**
 * PodTopologySpread's counting: matching pods per topology domain of one
 * constraint, summed over the eligible nodes of the snapshot and kept up to
 * date incrementally (NodeAggregate), plus the per-cycle view the Filter and
 * the preemption what-ifs read (SpreadState, copy-on-write over the shared
 * totals).
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { AggregateSpec } from "../../framework/node-aggregate.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodCountMemo } from "../../framework/pod-count-memo.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { findUntoleratedTaint } from "../helper/taints.ts";
import { podMatchesNodeSelectorAndAffinity } from "../nodeaffinity/nodeaffinity.ts";
import type { Constraint } from "./constraints.ts";

const taintEffects = new Set(["NoSchedule", "NoExecute"]);

/** Matching pods per domain and member nodes per domain; a domain exists while it has a member node. */
export class DomainCounts {
  readonly counts = new Map<string, number>();
  private readonly members = new Map<string, number>();
  private minCache: number | undefined;

  /** Adds (nodes 1) or removes (nodes -1) one member node holding `pods` matching pods. */
  add(domain: string, pods: number, nodes: 1 | -1): void {
    const m = (this.members.get(domain) ?? 0) + nodes;
    if (m <= 0) {
      this.members.delete(domain);
      this.counts.delete(domain);
    } else {
      this.members.set(domain, m);
      this.counts.set(domain, (this.counts.get(domain) ?? 0) + nodes * pods);
    }
    this.minCache = undefined;
  }

  /** The smallest count over the domains (0 when there are none). */
  min(): number {
    this.minCache ??= minOf(this.counts);
    return this.minCache;
  }
}

function minOf(m: ReadonlyMap<string, number>): number {
  if (m.size === 0) return 0;
  let min = Infinity;
  for (const v of m.values()) if (v < min) min = v;
  return min;
}

/** Whether an existing pod counts for the constraint (same namespace, not terminating, selected). */
export function podCounts(c: Constraint, ns: string, p: PodInfo): boolean {
  return p.namespace === ns && !p.pod.metadata?.deletionTimestamp && c.selector.matches(p.labels);
}

/** Matching pods of the constraint on one node, tallied by delta (terminating pods and other namespaces excluded). */
export function nodeCounter(
  memo: PodCountMemo,
  c: Constraint,
  ns: string,
): (node: NodeInfo) => number {
  return memo.counter(`${ns}\0${c.selectorKey}`, (p) => podCounts(c, ns, p));
}

/** Whether the node counts as a domain member for the constraint (node inclusion policies). */
export function nodeEligible(c: Constraint, pod: Pod, node: NodeInfo): boolean {
  if (c.nodeAffinityPolicy === "Honor" && !podMatchesNodeSelectorAndAffinity(pod, node))
    return false;
  if (
    c.nodeTaintsPolicy === "Honor" &&
    findUntoleratedTaint(node.node?.spec?.taints, pod.spec?.tolerations, taintEffects)
  )
    return false;
  return true;
}

export function hasAllKeys(constraints: readonly Constraint[], node: NodeInfo): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

/**
 * The aggregate key: everything a node's contribution depends on besides the
 * node itself (namespace, selector, topology key, the keys a node must carry,
 * and the parts of the pod the inclusion policies read).
 */
export function aggregateKey(c: Constraint, pod: Pod, required: readonly Constraint[]): string {
  const spec = pod.spec;
  const affinity =
    c.nodeAffinityPolicy === "Honor" &&
    (spec?.nodeSelector ||
      spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
      ? JSON.stringify([
          spec.nodeSelector ?? null,
          spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
        ])
      : "";
  const taints = c.nodeTaintsPolicy === "Honor" ? JSON.stringify(spec?.tolerations ?? []) : "-";
  const keys = required.map((r) => r.topologyKey).join(",");
  return [pod.metadata?.namespace ?? "", c.selectorKey, c.topologyKey, keys, affinity, taints].join(
    "\0",
  );
}

/** Per-node contributions to a constraint's DomainCounts, for NodeAggregate. */
export function domainCountsSpec(
  c: Constraint,
  pod: Pod,
  required: readonly Constraint[],
  countOnNode: (node: NodeInfo) => number,
): AggregateSpec<{ domain: string; pods: number }, DomainCounts> {
  return {
    init: () => new DomainCounts(),
    contribution(node) {
      const domain = node.labels[c.topologyKey];
      if (domain === undefined || !hasAllKeys(required, node) || !nodeEligible(c, pod, node))
        return undefined;
      return { value: { domain, pods: countOnNode(node) } };
    },
    apply: (total, v, sign) => total.add(v.domain, v.pods, sign),
  };
}

/**
 * PreFilter's per-cycle state: the shared totals of each DoNotSchedule
 * constraint, copied on the first write (preemption what-ifs add or remove
 * pods). Valid for the cycle that built it: the totals move at the next sync.
 */
export class SpreadState {
  /** Smallest count per constraint over `own` (undefined until read after a write). */
  private mins: (number | undefined)[] = [];

  constructor(
    readonly constraints: readonly Constraint[],
    private readonly shared: readonly DomainCounts[],
    /** 1 where the incoming pod matches the constraint's own selector, else 0. */
    readonly self: readonly number[],
    private own?: Map<string, number>[],
  ) {}

  clone(): SpreadState {
    return new SpreadState(
      this.constraints,
      this.shared,
      this.self,
      this.own?.map((m) => new Map(m)),
    );
  }

  private map(i: number): ReadonlyMap<string, number> {
    return this.own ? this.own[i]! : this.shared[i]!.counts;
  }

  count(i: number, domain: string): number {
    return this.map(i).get(domain) ?? 0;
  }

  add(i: number, domain: string, by: number): void {
    this.own ??= this.shared.map((d) => new Map(d.counts));
    const m = this.own[i]!;
    m.set(domain, (m.get(domain) ?? 0) + by);
    this.mins[i] = undefined;
  }

  /** Smallest count over the constraint's domains (0 when fewer than minDomains domains exist). */
  minMatch(i: number): number {
    const m = this.map(i);
    if (m.size === 0 || m.size < this.constraints[i]!.minDomains) return 0;
    if (!this.own) return this.shared[i]!.min();
    return (this.mins[i] ??= minOf(m));
  }
}

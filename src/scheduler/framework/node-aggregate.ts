/**
 * A total over every listed node of some per-node contribution (e.g. "pods
 * matching this selector, per zone"), kept current from the lister's change
 * journal: each sync re-evaluates only the nodes changed since the previous
 * sync (every node on the first one, or when the journal no longer reaches
 * back). Plugins use it so that a question repeated for every incoming pod
 * costs O(changed nodes) instead of O(nodes x pods).
 *
 * Contract: `contribution` must depend only on the NodeInfo (its Node and
 * pods) and on values fixed for this aggregate's lifetime (put them in its
 * cache key); a contribution marked volatile (it also reads something not
 * journalled, e.g. namespace labels) is recomputed on every sync. The total
 * is owned by the aggregate: readers must not mutate it, and it changes at
 * the next sync.
 */
import type { SharedLister } from "./interfaces.ts";
import type { NodeInfo } from "./node-info.ts";

export interface AggregateSpec<C, T> {
  /** An empty total. */
  init(): T;
  /** The node's contribution; undefined when it contributes nothing. Called only for listed nodes. */
  contribution(node: NodeInfo): { value: C; volatile?: boolean } | undefined;
  /** Folds a contribution into (sign 1) or out of (sign -1) the total. */
  apply(total: T, value: C, sign: 1 | -1): void;
  /** The nodes a full rebuild reads (default: all listed); others must contribute nothing. */
  candidates?(lister: SharedLister): readonly NodeInfo[];
}

export class NodeAggregate<C, T> {
  private readonly contributions = new Map<NodeInfo, C>();
  private readonly volatile = new Set<NodeInfo>();
  private seq = -1;
  private current: T;

  constructor(private readonly spec: AggregateSpec<C, T>) {
    this.current = spec.init();
  }

  /** Brings the total up to date with the lister and returns it. */
  sync(lister: SharedLister): T {
    const now = lister.changeSeq();
    const changed = this.seq < 0 ? undefined : lister.changedSince(this.seq);
    if (!changed) {
      this.contributions.clear();
      this.volatile.clear();
      this.current = this.spec.init();
      const nodes = this.spec.candidates?.(lister) ?? lister.nodeInfoList();
      for (const node of nodes) this.refresh(node);
    } else {
      for (const node of changed) this.refresh(node);
      // refresh() is idempotent; copied because it re-adds volatile nodes.
      for (const node of [...this.volatile]) this.refresh(node);
    }
    this.seq = now;
    return this.current;
  }

  private refresh(node: NodeInfo): void {
    const old = this.contributions.get(node);
    if (old !== undefined) {
      this.spec.apply(this.current, old, -1);
      this.contributions.delete(node);
    }
    this.volatile.delete(node);
    if (!node.node) return;
    const c = this.spec.contribution(node);
    if (!c) return;
    this.contributions.set(node, c.value);
    if (c.volatile) this.volatile.add(node);
    this.spec.apply(this.current, c.value, 1);
  }
}

/** Aggregates by key, least recently used dropped beyond `max`. */
export class AggregateCache<C, T> {
  private readonly entries = new Map<string, NodeAggregate<C, T>>();

  constructor(private readonly max = 32) {}

  /** The aggregate for key (built with spec() on first use), synced with the lister. */
  sync(key: string, lister: SharedLister, spec: () => AggregateSpec<C, T>): T {
    let agg = this.entries.get(key);
    if (agg) this.entries.delete(key);
    else {
      agg = new NodeAggregate(spec());
      if (this.entries.size >= this.max)
        this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, agg);
    return agg.sync(lister);
  }
}

/**
 * Counts of matching pods per topology domain (topology key, then label
 * value), as InterPodAffinity's PreFilter and PreScore keep them. Reading a
 * node's count (at) goes through the node's domain id (NodeInfo.topologyId)
 * and an array of counts by id, not through the node's label value.
 */
import type { NodeInfo } from "../../framework/node-info.ts";
import { topologyValues } from "../../framework/topology-values.ts";

export class TopologyCounts {
  private readonly byKey: Map<string, Map<string, number>>;
  /** The same counts by domain id (topologyValues, epoch `epoch`), per key. */
  private byId = new Map<string, number[]>();
  private epoch = topologyValues.epoch;
  /** Number of (key, value) pairs with a non-zero count. */
  size = 0;
  private keyCache: string[] | undefined;

  constructor(from?: TopologyCounts) {
    this.byKey = new Map();
    if (from) {
      for (const [k, m] of from.byKey) this.byKey.set(k, new Map(m));
      this.size = from.size;
      this.epoch = from.epoch;
      for (const [k, a] of from.byId) this.byId.set(k, a.slice());
    }
  }

  bump(node: NodeInfo, key: string, by: number): void {
    const value = node.labels[key];
    if (value !== undefined) this.bumpValue(key, value, by);
  }

  bumpValue(key: string, value: string, by: number): void {
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
    const id = topologyValues.id(key, value);
    if (this.epoch !== topologyValues.epoch) this.reindex();
    else this.setById(key, id, n);
  }

  /** The count of the node's domain of key (0 when the node lacks the label). */
  at(node: NodeInfo, key: string): number {
    const counts = this.byId.get(key);
    if (counts === undefined) return 0;
    const id = node.topologyId(key);
    if (this.epoch !== topologyValues.epoch) {
      this.reindex();
      return this.at(node, key);
    }
    return id >= 0 && id < counts.length ? counts[id]! : 0;
  }

  /** Keys with at least one non-zero value (cached until the set changes). */
  keys(): string[] {
    this.keyCache ??= [...this.byKey].filter(([, m]) => m.size > 0).map(([k]) => k);
    return this.keyCache;
  }

  copy(): TopologyCounts {
    return new TopologyCounts(this);
  }

  /** Sets the count of id under key (the array is kept dense: zeros up to id). */
  private setById(key: string, id: number, n: number): void {
    let a = this.byId.get(key);
    if (!a) this.byId.set(key, (a = []));
    while (a.length <= id) a.push(0);
    a[id] = n;
  }

  /** Rebuilds the arrays by id under the registry's current epoch. */
  private reindex(): void {
    this.byId = new Map();
    // ids() below may start yet another epoch: repeat until one holds.
    for (;;) {
      const epoch = topologyValues.epoch;
      for (const [key, m] of this.byKey) {
        if (!this.byId.has(key)) this.byId.set(key, []);
        for (const [value, n] of m) this.setById(key, topologyValues.id(key, value), n);
      }
      if (epoch === topologyValues.epoch) {
        this.epoch = epoch;
        return;
      }
      this.byId = new Map();
    }
  }
}

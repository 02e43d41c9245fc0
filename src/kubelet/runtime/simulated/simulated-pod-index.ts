/**
 * The simulated runtime's sandboxes or containers grouped by pod: a
 * kubelet asks for one pod's (label selector io.kubernetes.pod.uid) on
 * every sync, and a hollow node holds up to 110 pods, so those lookups
 * read only the pod's own entries instead of every entry of the node.
 */

/** The CRI label carrying the pod uid (the kubelet's labelPodUID). */
export const podUidLabel = "io.kubernetes.pod.uid";

/** Entries by id, with the ids of each pod uid kept in insertion order. */
export class PodIndexedMap<T extends { labels: Record<string, string> }> {
  private readonly all = new Map<string, T>();
  private readonly byPod = new Map<string, Set<string>>();

  get size(): number {
    return this.all.size;
  }

  get(id: string): T | undefined {
    return this.all.get(id);
  }

  has(id: string): boolean {
    return this.all.has(id);
  }

  /** Adds (or replaces) the entry; its pod uid label must not change afterwards. */
  set(id: string, v: T): void {
    this.delete(id);
    this.all.set(id, v);
    const uid = v.labels[podUidLabel];
    if (uid === undefined) return;
    let ids = this.byPod.get(uid);
    if (!ids) this.byPod.set(uid, (ids = new Set()));
    ids.add(id);
  }

  delete(id: string): void {
    const v = this.all.get(id);
    if (!v) return;
    this.all.delete(id);
    const uid = v.labels[podUidLabel];
    const ids = uid === undefined ? undefined : this.byPod.get(uid);
    ids?.delete(id);
    if (ids?.size === 0) this.byPod.delete(uid!);
  }

  values(): IterableIterator<T> {
    return this.all.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.all.entries();
  }

  /**
   * The entries a filter can match, in insertion order: the one with that
   * id, else those of the pod the label selector names, else all.
   */
  *candidates(filter: { id?: string; labelSelector?: Record<string, string> }): Iterable<T> {
    if (filter.id) {
      const v = this.all.get(filter.id);
      if (v) yield v;
      return;
    }
    const uid = filter.labelSelector?.[podUidLabel];
    if (uid === undefined) {
      yield* this.all.values();
      return;
    }
    for (const id of this.byPod.get(uid) ?? []) yield this.all.get(id)!;
  }
}

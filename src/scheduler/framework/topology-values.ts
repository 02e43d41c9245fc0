/**
 * Small integer ids for topology domains: one id per (topology key, label
 * value) seen on a node, so per-domain counts can live in arrays indexed by
 * id and a node's domain id can sit on its NodeInfo (NodeInfo.topologyId).
 * Reading a count then costs an array read instead of hashing the node's
 * label value into a Map (a cache miss per node on the hot Filter path).
 *
 * A registry of every pair it was asked about. It grows with the distinct
 * label values seen (nodes ever seen, per key asked); beyond `maxIds` it
 * starts over under a new epoch, and holders of ids (NodeInfo slots,
 * TopologyCounts arrays) compare epochs and recompute.
 */
export class TopologyValues {
  private byKey = new Map<string, Map<string, number>>();
  private size = 0;
  /** Changes whenever previously handed-out ids become meaningless. */
  epoch = 0;

  constructor(private readonly maxIds = 1 << 20) {}

  /** The id of (key, value); -1 when value is undefined (the node is in no domain of key). */
  id(key: string, value: string | undefined): number {
    if (value === undefined) return -1;
    let ids = this.byKey.get(key);
    if (!ids) {
      if (this.size >= this.maxIds) this.reset();
      this.byKey.set(key, (ids = new Map()));
    }
    let id = ids.get(value);
    if (id === undefined) {
      if (this.size >= this.maxIds) {
        this.reset();
        this.byKey.set(key, (ids = new Map()));
      }
      id = ids.size;
      ids.set(value, id);
      this.size++;
    }
    return id;
  }

  /** Voids every id handed out (a new epoch); done by id() when the registry is full. */
  reset(): void {
    this.byKey = new Map();
    this.size = 0;
    this.epoch++;
  }
}

/** The process's registry (ids are comparable only within one registry). */
export const topologyValues = new TopologyValues();

/**
 * Everything the scheduler knows about one node: the Node object, the pods
 * on it (bound or assumed) and their aggregate requests and host ports.
 * Owned by the cache; plugins read it during a (synchronous) scheduling cycle
 * and must not mutate it.
 */
import type { Node, Taint } from "kubernetes-types/core/v1.d.ts";
import type { HostPort, PodInfo } from "./pod-info.ts";
import { addInto, addResourceList, emptyResource, type Resource } from "./resource.ts";
import { topologyValues } from "./topology-values.ts";

/** How many of its latest changes a NodeInfo logs (changedPodAt). */
export const podLogSize = 8;

const noLabels: Record<string, string> = Object.freeze({}) as Record<string, string>;
/** One shared empty taint list: an untainted node's check reads no object of its own. */
const noTaints: readonly Taint[] = Object.freeze([]);

/** Numbers per node in a hot table: what a cycle reads off every node it filters and scores. */
const HOT = 8;
const FREE_PODS = 0;
const REQ_CPU = 1;
const REQ_MEMORY = 2;
const FREE_STORAGE = 3;
const ALLOC_CPU = 4;
const ALLOC_MEMORY = 5;
const NONZERO_CPU = 6;
const NONZERO_MEMORY = 7;
const SLAB_NODES = 1024;

/**
 * Hot tables shared by a cache's NodeInfos: slabs of 1,024 nodes, one cache
 * line (8 doubles) per node, handed out in creation order. A cycle reads these
 * numbers for hundreds of nodes that have not been read for several cycles:
 * as fields of each NodeInfo they cost a cache miss or more per node (the
 * object, and a box per byte count, which is no Smi); here they are unboxed
 * and adjacent.
 */
export class HotSlots {
  private slab = new Float64Array(SLAB_NODES * HOT);
  private used = 0;
  private readonly free: { table: Float64Array; base: number }[] = [];

  take(): { table: Float64Array; base: number } {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.used === SLAB_NODES) {
      this.slab = new Float64Array(SLAB_NODES * HOT);
      this.used = 0;
    }
    return { table: this.slab, base: HOT * this.used++ };
  }

  give(table: Float64Array, base: number): void {
    table.fill(0, base, base + HOT);
    this.free.push({ table, base });
  }
}

export class NodeInfo {
  private current: Node | undefined;
  /** This node's numbers (free pods and storage, req*, alloc*, nonZero*) at table[base...]: see HotSlots. */
  private table: Float64Array;
  private base: number;
  /** The node's name and labels, read once per Node object (hot in every filter and score). */
  private nameOf = "";
  private labelsOf: Record<string, string> = noLabels;
  /** spec.unschedulable of the current Node (cordoned). */
  unschedulable = false;
  /** spec.taints of the current Node (empty when none). */
  taints: readonly Taint[] = [];
  /** How many images the current Node lists in status.images. */
  imageCount = 0;
  readonly pods = new Map<string, PodInfo>();
  /** Pods with any pod (anti-)affinity term. */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  readonly requested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  readonly usedPorts: HostPort[] = [];
  /**
   * Bumped on every change (a pod added or removed, or a new Node object).
   * The last podLogSize changes are logged by generation (changedPodAt) so
   * that per-node tallies of pods can catch up by delta.
   */
  generation = 0;
  private readonly logPods: (PodInfo | undefined)[] = new Array<PodInfo | undefined>(podLogSize);
  private readonly logSigns: number[] = new Array<number>(podLogSize).fill(0);
  /**
   * The last two topology keys asked of topologyId, with their domain ids
   * (valid for the current labels and topologyValues' epoch `topoEpoch`).
   */
  private topoKey0: string | undefined = undefined;
  private topoId0 = -1;
  private topoKey1: string | undefined = undefined;
  private topoId1 = -1;
  private topoEpoch = -1;

  /** With slots, its numbers live in their shared table (release() gives the slot back). */
  constructor(
    node?: Node,
    private readonly slots?: HotSlots,
  ) {
    const slot = slots ? slots.take() : { table: new Float64Array(HOT), base: 0 };
    this.table = slot.table;
    this.base = slot.base;
    if (node) this.setNode(node);
  }

  /** Moves its numbers to a table of its own and frees its shared slot (the cache dropped it). */
  release(): void {
    if (!this.slots || this.table.length === HOT) return;
    const own = this.table.slice(this.base, this.base + HOT);
    this.slots.give(this.table, this.base);
    this.table = own;
    this.base = 0;
  }

  /**
   * Allocatable minus requested cpu (milli), memory and ephemeral storage,
   * and pod slots left (allowedPodNumber minus pods): kept current by
   * setNode/addPod/removePod so the Filter's common case reads its numbers
   * off the hot table.
   */
  get freePods(): number {
    return this.table[this.base + FREE_PODS]!;
  }

  get freeMilliCPU(): number {
    return this.table[this.base + ALLOC_CPU]! - this.table[this.base + REQ_CPU]!;
  }

  get freeMemory(): number {
    return this.table[this.base + ALLOC_MEMORY]! - this.table[this.base + REQ_MEMORY]!;
  }

  get freeEphemeralStorage(): number {
    return this.table[this.base + FREE_STORAGE]!;
  }

  /** Requested cpu (milli) and memory of the node's pods, for the Score plugins (same reason). */
  get reqMilliCPU(): number {
    return this.table[this.base + REQ_CPU]!;
  }

  get reqMemory(): number {
    return this.table[this.base + REQ_MEMORY]!;
  }

  /** Allocatable cpu (milli) and memory, for the Score plugins (same reason). */
  get allocMilliCPU(): number {
    return this.table[this.base + ALLOC_CPU]!;
  }

  get allocMemory(): number {
    return this.table[this.base + ALLOC_MEMORY]!;
  }

  /** The pods' cpu (milli) and memory requests with upstream's non-zero defaults (scoring). */
  get nonZeroCPU(): number {
    return this.table[this.base + NONZERO_CPU]!;
  }

  get nonZeroMemory(): number {
    return this.table[this.base + NONZERO_MEMORY]!;
  }

  /** The Node object; undefined while only pods are known (or after the node's deletion). */
  get node(): Node | undefined {
    return this.current;
  }

  set node(node: Node | undefined) {
    this.current = node;
    this.nameOf = node?.metadata?.name ?? "";
    this.labelsOf = node?.metadata?.labels ?? noLabels;
    this.topoKey0 = this.topoKey1 = undefined;
    this.unschedulable = node?.spec?.unschedulable === true;
    const taints = node?.spec?.taints;
    this.taints = taints && taints.length > 0 ? taints : noTaints;
    this.imageCount = node?.status?.images?.length ?? 0;
  }

  get name(): string {
    return this.nameOf;
  }

  get labels(): Record<string, string> {
    return this.labelsOf;
  }

  setNode(node: Node): void {
    this.node = node;
    const alloc = emptyResource();
    addResourceList(
      alloc,
      (node.status?.allocatable ?? node.status?.capacity) as Record<string, unknown> | undefined,
    );
    this.allocatable = alloc;
    this.refreshFree();
    this.logChange(undefined, 0);
  }

  private refreshFree(): void {
    const alloc = this.allocatable;
    const used = this.requested;
    const t = this.table;
    const b = this.base;
    t[b + REQ_CPU] = used.milliCPU;
    t[b + REQ_MEMORY] = used.memory;
    t[b + FREE_STORAGE] = alloc.ephemeralStorage - used.ephemeralStorage;
    t[b + FREE_PODS] = alloc.allowedPodNumber - this.pods.size;
    t[b + ALLOC_CPU] = alloc.milliCPU;
    t[b + ALLOC_MEMORY] = alloc.memory;
  }

  /**
   * The id (topologyValues) of this node's domain for a topology key, -1
   * when the node lacks the label. Remembers the last two keys asked, so a
   * cycle asking about one or two keys for every node reads no label.
   */
  topologyId(key: string): number {
    if (this.topoEpoch === topologyValues.epoch) {
      if (key === this.topoKey0) return this.topoId0;
      if (key === this.topoKey1) {
        const id = this.topoId1;
        this.topoKey1 = this.topoKey0;
        this.topoId1 = this.topoId0;
        this.topoKey0 = key;
        this.topoId0 = id;
        return id;
      }
    } else {
      this.topoKey0 = this.topoKey1 = undefined;
    }
    const v: unknown = this.labelsOf[key];
    const id = topologyValues.id(key, typeof v === "string" ? v : undefined);
    if (this.topoEpoch !== topologyValues.epoch) {
      // New epoch (before or during id()): the remembered ids are void.
      this.topoKey0 = undefined;
      this.topoEpoch = topologyValues.epoch;
    }
    this.topoKey1 = this.topoKey0;
    this.topoId1 = this.topoId0;
    this.topoKey0 = key;
    this.topoId0 = id;
    return id;
  }

  /** Bumps the generation and logs what changed at it (a pod and its sign, or none). */
  private logChange(pod: PodInfo | undefined, sign: number): void {
    const slot = ++this.generation % podLogSize;
    this.logPods[slot] = pod;
    this.logSigns[slot] = sign;
  }

  /** Whether changedPodAt can report every change after generation `since` (at most podLogSize changes ago). */
  logCovers(since: number): boolean {
    return since <= this.generation && this.generation - since <= podLogSize;
  }

  /**
   * The pod added or removed by the change that made generation `generation`
   * (undefined when that change was a new Node object). Valid only for the
   * generations after one that logCovers vouches for.
   */
  changedPodAt(generation: number): PodInfo | undefined {
    return this.logPods[generation % podLogSize];
  }

  /** 1 when the change that made `generation` added changedPodAt's pod, -1 when it removed it, 0 for a Node change. */
  changeSignAt(generation: number): number {
    return this.logSigns[generation % podLogSize]!;
  }

  addPod(pi: PodInfo): void {
    this.pods.set(pi.key, pi);
    if (pi.hasAffinity()) this.podsWithAffinity.set(pi.key, pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.set(pi.key, pi);
    this.account(pi, 1);
  }

  /** Removes the pod by key; false when it was not here. */
  removePod(key: string): boolean {
    const pi = this.pods.get(key);
    if (!pi) return false;
    this.pods.delete(key);
    this.podsWithAffinity.delete(key);
    this.podsWithRequiredAntiAffinity.delete(key);
    this.account(pi, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addInto(this.requested, pi.requests, sign);
    this.table[this.base + NONZERO_CPU]! += sign * pi.nonZeroCPU;
    this.table[this.base + NONZERO_MEMORY]! += sign * pi.nonZeroMemory;
    if (sign > 0) this.usedPorts.push(...pi.hostPorts);
    else {
      for (const hp of pi.hostPorts) {
        const i = this.usedPorts.findIndex(
          (u) => u.port === hp.port && u.protocol === hp.protocol && u.hostIP === hp.hostIP,
        );
        if (i >= 0) this.usedPorts.splice(i, 1);
      }
    }
    this.refreshFree();
    this.logChange(pi, sign);
  }

  /** A copy whose pod set can be changed without touching this one (preemption what-ifs). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.allocatable = this.allocatable;
    for (const pi of this.pods.values()) c.addPod(pi);
    c.refreshFree();
    return c;
  }
}

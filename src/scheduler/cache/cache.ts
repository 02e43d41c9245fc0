/**
 * The scheduler cache: nodes and the pods on them, including pods the
 * scheduler has assumed onto a node but whose bind has not been observed yet,
 * so scheduling never waits for its own binds. Informer handlers feed it;
 * a bound pod seen through the informer confirms its assumed copy.
 * Also serves as the cycle's SharedLister (the cycle is synchronous, so the
 * view cannot change under a running cycle).
 *
 * Every change to a NodeInfo is journalled with a sequence number (as
 * upstream's per-NodeInfo generations let its snapshot copy only changed
 * nodes): plugins keeping totals over all nodes re-read only the nodes
 * changed since their last look (see changedSince).
 */
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import type { SharedLister } from "../framework/interfaces.ts";
import { HotSlots, NodeInfo } from "../framework/node-info.ts";
import { PodInfo } from "../framework/pod-info.ts";
import { normalizedImageName } from "../plugins/imagelocality/imagelocality.ts";
import { nodeOrder } from "./node-order.ts";

export const podKey = (pod: Pod): string =>
  `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;

export class SchedulerCache implements SharedLister {
  private nodes = new Map<string, NodeInfo>();
  /** The hot tables of the NodeInfos in `nodes`. */
  private readonly slots = new HotSlots();
  /** Which node each known pod is on. */
  private podNodes = new Map<string, string>();
  private assumed = new Set<string>();
  private images = new Map<string, number>();
  private list: NodeInfo[] | undefined;
  private affinityList: NodeInfo[] | undefined;
  private antiAffinityList: NodeInfo[] | undefined;
  /** Sequence number of the latest NodeInfo change. */
  private seq = 0;
  /** Changed NodeInfos in sequence order (a NodeInfo may appear more than once). */
  private journal: { ni: NodeInfo; seq: number }[] = [];
  /** Changes at or before this sequence number are no longer all journalled. */
  private journalFloor = 0;

  private nodeInfo(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo(undefined, this.slots);
      this.nodes.set(name, ni);
    }
    return ni;
  }

  /** Forgets ni; its hot-table slot goes back (it keeps its numbers for whoever still holds it). */
  private dropNodeInfo(name: string, ni: NodeInfo): void {
    this.nodes.delete(name);
    ni.release();
  }

  /** Journals a change of ni (after it happened). */
  private touch(ni: NodeInfo): void {
    this.journal.push({ ni, seq: ++this.seq });
    if (this.journal.length > 2 * this.nodes.size + 1024) this.compactJournal();
  }

  /** Keeps the latest entry per NodeInfo; entries of NodeInfos gone from the cache are dropped. */
  private compactJournal(): void {
    const seen = new Set<NodeInfo>();
    const kept: { ni: NodeInfo; seq: number }[] = [];
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const e = this.journal[i]!;
      if (seen.has(e.ni)) continue;
      seen.add(e.ni);
      if (this.nodes.get(e.ni.name) === e.ni || (!e.ni.node && e.ni.pods.size > 0)) kept.push(e);
      else this.journalFloor = Math.max(this.journalFloor, e.seq);
    }
    this.journal = kept.reverse();
  }

  private changedNodes(): void {
    this.list = undefined;
    this.affinityList = undefined;
    this.antiAffinityList = undefined;
  }

  private countImages(node: Node | undefined, by: number): void {
    for (const img of node?.status?.images ?? []) {
      for (const n of new Set((img.names ?? []).map(normalizedImageName))) {
        const c = (this.images.get(n) ?? 0) + by;
        if (c <= 0) this.images.delete(n);
        else this.images.set(n, c);
      }
    }
  }

  addNode(node: Node): void {
    const ni = this.nodeInfo(node.metadata?.name ?? "");
    this.countImages(ni.node, -1);
    const zoneChanged = !ni.node || zoneOf(ni.node) !== zoneOf(node);
    ni.setNode(node);
    this.touch(ni);
    this.countImages(node, 1);
    if (zoneChanged) this.changedNodes();
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.countImages(ni.node, -1);
    ni.node = undefined;
    if (ni.pods.size === 0) this.dropNodeInfo(name, ni);
    this.touch(ni);
    this.changedNodes();
  }

  /** Places the pod on nodeName before its binding is observed. */
  assumePod(pi: PodInfo, nodeName: string): PodInfo {
    const bound = new PodInfo({ ...pi.pod, spec: { ...pi.pod.spec!, nodeName } }, pi);
    this.place(bound, nodeName);
    this.assumed.add(bound.key);
    return bound;
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Drops an assumed pod whose bind failed. */
  forgetPod(key: string): void {
    if (!this.assumed.delete(key)) return;
    this.unplace(key);
  }

  /** A bound pod seen by the informer (confirms an assumed one). Terminal pods are removed. */
  addPod(pod: Pod): void {
    this.updatePod(undefined, pod);
  }

  /**
   * The informer's update of a pod from `old` to `pod`. The bind of a pod we
   * assumed reuses the assumed PodInfo's parsing: a binding changes only
   * spec.nodeName, annotations and status, so when `old` is the unbound
   * version the pod was assumed from (same resourceVersion), everything a
   * PodInfo parses is unchanged.
   */
  updatePod(old: Pod | undefined, pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!nodeName || phase === "Succeeded" || phase === "Failed") {
      this.removePod(pod);
      return;
    }
    let parsed: PodInfo | undefined;
    if (this.assumed.delete(key) && old && !old.spec?.nodeName) {
      const assumed = this.nodes.get(this.podNodes.get(key) ?? "")?.pods.get(key);
      const from = assumed?.pod.metadata;
      if (
        from?.resourceVersion !== undefined &&
        from.resourceVersion === old.metadata?.resourceVersion &&
        from.uid === pod.metadata?.uid
      )
        parsed = assumed;
    }
    this.place(new PodInfo(pod, parsed), nodeName);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    this.assumed.delete(key);
    this.unplace(key);
  }

  private place(pi: PodInfo, nodeName: string): void {
    this.unplace(pi.key);
    const ni = this.nodeInfo(nodeName);
    ni.addPod(pi);
    this.touch(ni);
    this.podNodes.set(pi.key, nodeName);
    // The affinity lists change only when a listed node gains its first such pod.
    if (ni.node && pi.hasAffinity() && ni.podsWithAffinity.size === 1) this.affinityList?.push(ni);
    if (
      ni.node &&
      pi.requiredAntiAffinityTerms.length &&
      ni.podsWithRequiredAntiAffinity.size === 1
    )
      this.antiAffinityList?.push(ni);
  }

  private unplace(key: string): void {
    const nodeName = this.podNodes.get(key);
    if (nodeName === undefined) return;
    this.podNodes.delete(key);
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    const pi = ni.pods.get(key);
    ni.removePod(key);
    // The affinity lists change only when a node loses its last such pod.
    if (pi?.hasAffinity() && ni.podsWithAffinity.size === 0) dropFrom(this.affinityList, ni);
    if (pi?.requiredAntiAffinityTerms.length && ni.podsWithRequiredAntiAffinity.size === 0)
      dropFrom(this.antiAffinityList, ni);
    if (!ni.node && ni.pods.size === 0) this.dropNodeInfo(nodeName, ni);
    this.touch(ni);
  }

  podCount(): number {
    return this.podNodes.size;
  }

  assumedCount(): number {
    return this.assumed.size;
  }

  // SharedLister

  nodeInfoList(): readonly NodeInfo[] {
    if (!this.list) this.list = nodeOrder([...this.nodes.values()].filter((n) => n.node));
    return this.list;
  }

  get(nodeName: string): NodeInfo | undefined {
    const ni = this.nodes.get(nodeName);
    return ni?.node ? ni : undefined;
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    if (!this.affinityList)
      this.affinityList = this.nodeInfoList().filter((n) => n.podsWithAffinity.size > 0);
    return this.affinityList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    if (!this.antiAffinityList)
      this.antiAffinityList = this.nodeInfoList().filter(
        (n) => n.podsWithRequiredAntiAffinity.size > 0,
      );
    return this.antiAffinityList;
  }

  imageNumNodes(image: string): number {
    return this.images.get(image) ?? 0;
  }

  changeSeq(): number {
    return this.seq;
  }

  changedSince(seq: number): readonly NodeInfo[] | undefined {
    if (seq < this.journalFloor) return undefined;
    // First entry with a larger sequence number (entries are in sequence order).
    let lo = 0;
    let hi = this.journal.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.journal[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    const out: NodeInfo[] = [];
    for (let i = lo; i < this.journal.length; i++) out.push(this.journal[i]!.ni);
    return out;
  }
}

function dropFrom(list: NodeInfo[] | undefined, ni: NodeInfo): void {
  const i = list ? list.indexOf(ni) : -1;
  if (i >= 0) list!.splice(i, 1);
}

function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {};
  return `${l["topology.kubernetes.io/region"] ?? ""}:${l["topology.kubernetes.io/zone"] ?? ""}`;
}

/**
 * Everything the scheduler knows about one node: the Node object, the pods
 * on it (bound or assumed) and their aggregate requests and host ports.
 * Owned by the cache; plugins read it during a (synchronous) scheduling cycle
 * and must not mutate it.
 */
import type { Node, Taint } from "kubernetes-types/core/v1.d.ts";
import type { HostPort, PodInfo } from "./pod-info.ts";
import { addInto, addResourceList, emptyResource, type Resource } from "./resource.ts";

const noLabels: Record<string, string> = Object.freeze({}) as Record<string, string>;

export class NodeInfo {
  private current: Node | undefined;
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
  nonZeroCPU = 0;
  nonZeroMemory = 0;
  allocatable: Resource = emptyResource();
  readonly usedPorts: HostPort[] = [];
  /** Bumped on every change (tests and debugging). */
  generation = 0;

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  /** The Node object; undefined while only pods are known (or after the node's deletion). */
  get node(): Node | undefined {
    return this.current;
  }

  set node(node: Node | undefined) {
    this.current = node;
    this.nameOf = node?.metadata?.name ?? "";
    this.labelsOf = node?.metadata?.labels ?? noLabels;
    this.unschedulable = node?.spec?.unschedulable === true;
    this.taints = node?.spec?.taints ?? [];
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
    this.generation++;
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
    this.nonZeroCPU += sign * pi.nonZeroCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    if (sign > 0) this.usedPorts.push(...pi.hostPorts);
    else {
      for (const hp of pi.hostPorts) {
        const i = this.usedPorts.findIndex(
          (u) => u.port === hp.port && u.protocol === hp.protocol && u.hostIP === hp.hostIP,
        );
        if (i >= 0) this.usedPorts.splice(i, 1);
      }
    }
    this.generation++;
  }

  /** A copy whose pod set can be changed without touching this one (preemption what-ifs). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.allocatable = this.allocatable;
    for (const pi of this.pods.values()) c.addPod(pi);
    return c;
  }
}

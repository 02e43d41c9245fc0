/**
 * The node IPAM controller's RangeAllocator (kube-controller-manager
 * --allocate-node-cidrs with --cluster-cidr and --node-cidr-mask-size): gives
 * every Node without a spec.podCIDR the next free subnet of each cluster CIDR
 * (one per IP family) and writes spec.podCIDR / spec.podCIDRs. CIDRs already
 * on nodes are marked used — all of them before the first allocation (so a
 * restarted controller rebuilds its state from the nodes and never hands one
 * out twice), later ones as nodes appear — and a deleted node's CIDRs are
 * released. The service range, when inside a cluster CIDR, is never handed
 * out. A full range gives the node a CIDRNotAvailable event (upstream's
 * reason) and is retried with backoff.
 */
import type { KObject } from "../../api/types.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ControllerDeps } from "../queue-controller.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { isNotFound } from "../../client/api-error.ts";
import { nodesRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { CidrSet, formatCidr, isCidrError, parseCidr, type Cidr } from "./cidr-set.ts";

/** A Node as far as IPAM looks at it. */
export type IpamNode = KObject & { spec?: { podCIDR?: string; podCIDRs?: string[] } };

/** Upstream's default node mask sizes per family. */
export const DEFAULT_NODE_CIDR_MASK_SIZE = { 4: 24, 6: 64 } as const;

export interface NodeIpamConfig {
  /** --cluster-cidr, one per IP family (dual stack: two). */
  clusterCidrs: string[];
  /** --node-cidr-mask-size (single stack) or -ipv4 / -ipv6; upstream defaults 24 / 64. */
  nodeCidrMaskSize?: { 4?: number; 6?: number };
  /** --service-cluster-ip-range: never allocated to nodes where it overlaps a cluster CIDR. */
  serviceCidrs?: string[];
  /**
   * CIDRs marked used from the start besides the nodes' (k8ts server: its own
   * node's --pod-cidr, before that node registers).
   */
  reservedCidrs?: string[];
}

export interface RangeAllocatorOptions extends NodeIpamConfig, ControllerDeps {
  recorder: EventRecorder;
  log?(msg: string, fields?: Record<string, unknown>): void;
}

/** The CIDR sets of a configuration, or the first configuration error (for flag validation). */
export function cidrSetsFor(config: NodeIpamConfig): CidrSet[] | string {
  if (config.clusterCidrs.length === 0)
    return "--cluster-cidr is required with --allocate-node-cidrs";
  if (config.clusterCidrs.length > 2)
    return "at most two --cluster-cidr values (one per IP family)";
  const sets: CidrSet[] = [];
  for (const text of config.clusterCidrs) {
    const c = parseCidr(text);
    if (isCidrError(c)) return c.message;
    if (sets.some((s) => s.cluster.family === c.family))
      return `--cluster-cidr ${config.clusterCidrs.join(",")}: at most one CIDR per IP family`;
    const size = config.nodeCidrMaskSize?.[c.family] ?? DEFAULT_NODE_CIDR_MASK_SIZE[c.family];
    const set = CidrSet.create(c, size);
    if (isCidrError(set)) return set.message;
    sets.push(set);
  }
  return sets;
}

/** The node's pod CIDRs as written (spec.podCIDRs, else spec.podCIDR). */
export function podCidrsOf(node: IpamNode): string[] {
  const list = node.spec?.podCIDRs ?? [];
  if (list.length > 0) return list;
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

export class RangeAllocator {
  private readonly sets: CidrSet[];
  private readonly queue: WorkQueue;
  private readonly nodes: SharedInformer<IpamNode>;
  /** CIDRs this controller allocated, per node, until the node shows them. */
  private readonly pending = new Map<string, string[]>();
  /** Until the nodes' CIDRs are marked (after sync), nothing is allocated. */
  private rebuilt = false;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;

  constructor(private readonly opts: RangeAllocatorOptions) {
    const sets = cidrSetsFor(opts);
    if (typeof sets === "string") throw new Error(sets);
    this.sets = sets;
    this.log = opts.log ?? (() => {});
    for (const text of [...(opts.serviceCidrs ?? []), ...(opts.reservedCidrs ?? [])]) {
      const c = parseCidr(text);
      if (isCidrError(c)) continue;
      // Outside every cluster CIDR: nothing to keep free (upstream's filterOutServiceRange).
      for (const s of this.sets) if (s.cluster.family === c.family) s.occupy(c);
    }
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: "node_ipam_controller",
      metrics: opts.queueMetrics,
    });
    this.nodes = opts.informers.informerFor<IpamNode>(nodesRef);
    const enqueue = (n: IpamNode) => {
      if (this.rebuilt && podCidrsOf(n).length > 0) this.occupyAll(n);
      this.queue.add(n.metadata?.name ?? "");
    };
    this.nodes.addEventHandler({
      add: enqueue,
      update: (_, n) => enqueue(n),
      delete: (n) => this.releaseNode(n),
    });
  }

  /** The CIDR sets (one per cluster CIDR), for inspection. */
  get cidrSets(): readonly CidrSet[] {
    return this.sets;
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await this.nodes.waitForSync(signal))) return;
    // Every CIDR already on a node is used before anything is handed out.
    for (const n of this.nodes.indexer.list()) this.occupyAll(n);
    this.rebuilt = true;
    for (const name of this.nodes.indexer.keys()) this.queue.add(name);
    await runWorkers(this.queue, workers, (name) => this.syncNode(name));
  }

  private setFor(c: Cidr): CidrSet | undefined {
    return this.sets.find((s) => s.cluster.family === c.family);
  }

  /** Marks the node's CIDRs used; ones outside the cluster CIDRs are logged. */
  private occupyAll(node: IpamNode): void {
    for (const text of podCidrsOf(node)) {
      const c = parseCidr(text);
      const err = isCidrError(c) ? c : (this.setFor(c)?.occupy(c) ?? undefined);
      if (err)
        this.log("node podCIDR not marked used", {
          node: node.metadata?.name,
          podCIDR: text,
          err: err.message,
        });
    }
  }

  /** Frees a deleted node's CIDRs unless another node still has them. */
  private releaseNode(node: IpamNode): void {
    const name = node.metadata?.name ?? "";
    const cidrs = new Set([...podCidrsOf(node), ...(this.pending.get(name) ?? [])]);
    this.pending.delete(name);
    const inUse = new Set(
      this.nodes.indexer
        .list()
        .filter((n) => n.metadata?.name !== name)
        .flatMap((n) => [...podCidrsOf(n), ...(this.pending.get(n.metadata?.name ?? "") ?? [])]),
    );
    for (const text of cidrs) {
      if (inUse.has(text)) continue;
      const c = parseCidr(text);
      if (!isCidrError(c)) this.setFor(c)?.release(c);
    }
  }

  private releaseAll(cidrs: string[]): void {
    for (const text of cidrs) {
      const c = parseCidr(text);
      if (!isCidrError(c)) this.setFor(c)?.release(c);
    }
  }

  /** Gives a node without pod CIDRs one per cluster CIDR. Throws to be retried. */
  async syncNode(name: string): Promise<void> {
    const cached = this.nodes.indexer.get(name);
    if (!cached) return;
    if (podCidrsOf(cached).length > 0) {
      this.pending.delete(name);
      return;
    }
    let cidrs = this.pending.get(name);
    if (!cidrs) {
      const got: Cidr[] = [];
      for (const s of this.sets) {
        const c = s.allocateNext();
        if (isCidrError(c)) {
          for (const g of got) this.setFor(g)?.release(g);
          this.opts.recorder.event(
            nodeRef(cached),
            "Normal",
            "CIDRNotAvailable",
            `Node ${name} status is now: CIDRNotAvailable`,
          );
          throw new Error(
            `failed to allocate cidr from cluster cidr ${formatCidr(s.cluster)}: ${c.message}`,
          );
        }
        got.push(c);
      }
      cidrs = got.map(formatCidr);
      this.pending.set(name, cidrs);
    }
    await this.writeCidrs(cached, cidrs);
  }

  /** Writes the CIDRs to the node (upstream's updateCIDRsAllocation). */
  private async writeCidrs(cached: IpamNode, cidrs: string[]): Promise<void> {
    const name = cached.metadata?.name ?? "";
    let current: IpamNode;
    try {
      current = await this.opts.client.get<IpamNode>(nodesRef, undefined, name);
    } catch (err) {
      if (isNotFound(err)) {
        this.releaseNode(cached);
        return;
      }
      throw err;
    }
    const existing = podCidrsOf(current);
    if (existing.length > 0) {
      // Someone else (a node's own --pod-cidr, another manager) got there first.
      if (existing.join(",") !== cidrs.join(",")) {
        this.pending.delete(name);
        this.releaseAll(cidrs);
        this.occupyAll(current);
      }
      return;
    }
    try {
      await this.opts.client.patch(nodesRef, undefined, name, "strategic", {
        spec: { podCIDR: cidrs[0], podCIDRs: cidrs },
      });
      this.log("set node podCIDRs", { node: name, podCIDRs: cidrs });
    } catch (err) {
      this.pending.delete(name);
      this.releaseAll(cidrs);
      this.opts.recorder.event(
        nodeRef(cached),
        "Normal",
        "CIDRAssignmentFailed",
        `Node ${name} status is now: CIDRAssignmentFailed`,
      );
      throw err;
    }
  }
}

/** The node as upstream's node status events reference it (UID: the node name). */
function nodeRef(node: IpamNode): KObject {
  const name = node.metadata?.name ?? "";
  return { apiVersion: "v1", kind: "Node", metadata: { name, uid: name } };
}

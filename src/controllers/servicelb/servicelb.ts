/**
 * The built-in service load balancer (like k3s's servicelb, without its
 * per-node DaemonSet pods): every `type: LoadBalancer` Service without a
 * loadBalancerClass gets status.loadBalancer.ingress = the InternalIP of
 * each Ready node, and kube-proxy's LoadBalancer rules on those nodes
 * make the port answer there. Level-triggered: node and service changes
 * enqueue services; sync(key) recomputes and patches status if it differs.
 */
import type { Node, Service } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey, splitKey } from "../../client/informer/store.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { nodesRef, servicesRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";

type Svc = Service & KObject;
type NodeObj = Node & KObject;

/** Nodes with this label are never load balancer targets (upstream label). */
export const excludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

/** True when this controller implements the service's load balancer. */
export function handles(svc: Service): boolean {
  return svc.spec?.type === "LoadBalancer" && !svc.spec.loadBalancerClass;
}

/** The ingress list for a LoadBalancer service: sorted, unique IPv4 InternalIPs of Ready nodes. */
export function desiredIngress(nodes: readonly Node[]): { ip: string; ipMode: "VIP" }[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    if (n.metadata?.labels?.[excludeLabel] !== undefined) continue;
    if (n.spec?.unschedulable) continue;
    const ready = n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (!ready) continue;
    for (const a of n.status?.addresses ?? []) {
      if (a.type === "InternalIP" && /^\d{1,3}(\.\d{1,3}){3}$/.test(a.address)) ips.add(a.address);
    }
  }
  return [...ips].sort().map((ip) => ({ ip, ipMode: "VIP" as const }));
}

export class ServiceLBController {
  private readonly queue: WorkQueue;
  private readonly services: SharedInformer<Svc>;
  private readonly nodes: SharedInformer<NodeObj>;

  constructor(
    private readonly opts: { client: RestClient; informers: InformerFactory; clock: Clock },
  ) {
    this.queue = new WorkQueue({ clock: opts.clock });
    this.services = opts.informers.informerFor<Svc>(servicesRef);
    this.nodes = opts.informers.informerFor<NodeObj>(nodesRef);
    const enqueue = (s: Svc) => {
      if (handles(s) || (s.status?.loadBalancer?.ingress?.length && !s.spec?.loadBalancerClass))
        this.queue.add(objectKey(s));
    };
    this.services.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s) });
    const all = () => {
      for (const s of this.services.indexer.list()) if (handles(s)) this.queue.add(objectKey(s));
    };
    this.nodes.addEventHandler({
      add: all,
      delete: all,
      update: (o, n) => {
        if (JSON.stringify(desiredIngress([o])) !== JSON.stringify(desiredIngress([n]))) all();
      },
    });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await waitForCacheSync(signal, [this.services, this.nodes]))) return;
    await runWorkers(this.queue, workers, (key) => this.sync(key));
  }

  /** Makes the service's ingress what the nodes say (or empty once it is no longer a LoadBalancer). */
  async sync(key: string): Promise<void> {
    const svc = this.services.indexer.get(key);
    if (!svc || svc.spec?.loadBalancerClass) return;
    const want = handles(svc) ? desiredIngress(this.nodes.indexer.list()) : [];
    const have = svc.status?.loadBalancer?.ingress ?? [];
    const same =
      have.length === want.length && have.every((h, i) => h.ip === want[i]!.ip && !h.hostname);
    if (same) return;
    const { namespace, name } = splitKey(key);
    try {
      await this.opts.client.patch(
        servicesRef,
        namespace,
        name,
        "merge",
        { status: { loadBalancer: { ingress: want.length ? want : null } } },
        { subresource: "status" },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

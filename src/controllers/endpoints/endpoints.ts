/**
 * The Endpoints and EndpointSlice controllers: publish, for every Service
 * with a selector, the pods it selects, as a core/v1 Endpoints object named
 * after the service and as discovery.k8s.io/v1 EndpointSlices owned by it.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists, isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey, splitKey } from "../../client/informer/store.ts";
import { endpointSlicesRef, endpointsRef, podsRef, servicesRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { newControllerRef } from "../util/controller-ref.ts";
import { canonicalJSON } from "../util/hash.ts";
import type { Pod } from "../util/pods.ts";
import { serviceEndpoints, type PodEndpoint, type Service } from "./service-endpoints.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";
import type { ControllerDeps } from "../queue-controller.ts";

const managedBy = "endpointslice-controller.k8s.io";

/** Pods by namespace and each label pair they carry. */
const POD_LABEL_INDEX = "namespaceLabel";
const labelIndexValue = (ns: string, key: string, value: string) => `${ns}\0${key}=${value}`;
const podLabelIndex = (p: KObject): string[] =>
  Object.entries(p.metadata?.labels ?? {}).map(([k, v]) =>
    labelIndexValue(p.metadata?.namespace ?? "", k, v),
  );
const maxEndpointsPerSlice = 100;

function targetRef(e: PodEndpoint) {
  return {
    kind: "Pod",
    namespace: e.pod.metadata?.namespace,
    name: e.pod.metadata?.name,
    uid: e.pod.metadata?.uid,
  };
}

/** The core/v1 Endpoints subsets: one subset per distinct port list. */
export function endpointsSubsets(eps: PodEndpoint[]): unknown[] {
  const groups = new Map<
    string,
    { ports: PodEndpoint["ports"]; ready: unknown[]; notReady: unknown[] }
  >();
  for (const e of eps) {
    if (e.ports.length === 0) continue;
    const key = canonicalJSON(e.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: e.ports, ready: [], notReady: [] }));
    const addr = { ip: e.ip, nodeName: e.nodeName, hostname: e.hostname, targetRef: targetRef(e) };
    (e.ready ? g.ready : g.notReady).push(addr);
  }
  return [...groups.values()].map((g) => ({
    ...(g.ready.length ? { addresses: g.ready } : {}),
    ...(g.notReady.length ? { notReadyAddresses: g.notReady } : {}),
    ports: g.ports,
  }));
}

export class EndpointsController {
  private readonly queue: WorkQueue;
  private readonly services: SharedInformer<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly endpoints: SharedInformer;
  private readonly slices: SharedInformer;

  constructor(
    private readonly opts: ControllerDeps & {
      slicesOnly?: boolean;
      endpointsOnly?: boolean;
    },
  ) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: opts.endpointsOnly ? "endpoint" : opts.slicesOnly ? "endpoint_slice" : "endpoints",
      metrics: opts.queueMetrics,
    });
    this.services = opts.informers.informerFor<Service>(servicesRef);
    this.pods = opts.informers.informerFor<Pod>(podsRef);
    this.pods.indexer.addIndex(POD_LABEL_INDEX, podLabelIndex);
    this.endpoints = opts.informers.informerFor(endpointsRef);
    this.slices = opts.informers.informerFor(endpointSlicesRef);
    const enqueue = (s: KObject) => this.queue.add(objectKey(s));
    this.services.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s), delete: enqueue });
    const podChanged = (p: Pod) => {
      for (const svc of this.services.indexer.byIndex("namespace", p.metadata?.namespace ?? "")) {
        const sel = svc.spec?.selector;
        if (sel && Object.entries(sel).every(([k, v]) => p.metadata?.labels?.[k] === v))
          this.queue.add(objectKey(svc));
      }
    };
    this.pods.addEventHandler({
      add: podChanged,
      update: (old, p) => {
        podChanged(old);
        podChanged(p);
      },
      delete: podChanged,
    });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    const caches = [this.services, this.pods, this.endpoints, this.slices];
    if (!(await waitForCacheSync(signal, caches))) return;
    await runWorkers(this.queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.indexer.get(key);
    if (!svc) {
      // Slices are owned by the service and go with it; Endpoints are not owned.
      if (
        !this.opts.slicesOnly &&
        this.endpoints.indexer.get(key)?.metadata?.labels?.[
          "endpoints.kubernetes.io/managed-by"
        ] !== "user"
      ) {
        await this.ignoreNotFound(this.opts.client.delete(endpointsRef, namespace, name));
      }
      return;
    }
    const eps = serviceEndpoints(svc, this.candidatePods(svc));
    if (!eps) return;
    if (!this.opts.slicesOnly) await this.syncEndpoints(svc, eps);
    if (!this.opts.endpointsOnly) await this.syncSlices(svc, eps);
  }

  /**
   * The pods that may match the service's selector: those carrying its
   * rarest label pair (serviceEndpoints checks the whole selector). Scanning
   * the namespace instead made each sync O(pods in the namespace), and there
   * is a sync per write of every selected pod.
   */
  private candidatePods(svc: Service): Pod[] {
    const ns = svc.metadata?.namespace ?? "";
    let best: string | undefined;
    let bestCount = Infinity;
    for (const [k, v] of Object.entries(svc.spec?.selector ?? {})) {
      const value = labelIndexValue(ns, k, v);
      const count = this.pods.indexer.countIndexed(POD_LABEL_INDEX, value);
      if (count < bestCount) [best, bestCount] = [value, count];
    }
    return best === undefined ? [] : this.pods.indexer.byIndex(POD_LABEL_INDEX, best);
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async syncEndpoints(svc: Service, eps: PodEndpoint[]): Promise<void> {
    const key = objectKey(svc);
    const current = this.endpoints.indexer.get(key) as
      (KObject & { subsets?: unknown[] }) | undefined;
    const subsets = endpointsSubsets(eps);
    const labels = { ...(svc.metadata?.labels ?? {}) };
    if (
      current &&
      canonicalJSON(current.subsets ?? []) === canonicalJSON(subsets) &&
      canonicalJSON(current.metadata?.labels ?? {}) === canonicalJSON(labels)
    )
      return;
    const desired = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        ...(current?.metadata ?? {}),
        name: svc.metadata?.name,
        namespace: svc.metadata?.namespace,
        labels,
      },
      subsets,
    };
    if (!current) {
      try {
        await this.opts.client.create(endpointsRef, svc.metadata?.namespace, desired);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        this.queue.addRateLimited(key);
      }
      return;
    }
    await this.ignoreNotFound(this.opts.client.update(endpointsRef, desired));
  }

  private async syncSlices(svc: Service, eps: PodEndpoint[]): Promise<void> {
    const uid = svc.metadata?.uid;
    const mine = this.slices.indexer
      .byIndex("namespace", svc.metadata?.namespace ?? "")
      .filter(
        (s) =>
          s.metadata?.labels?.["kubernetes.io/service-name"] === svc.metadata?.name &&
          s.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"] === managedBy,
      )
      .sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1));
    const ports = (svc.spec?.ports ?? []).map((sp) => ({
      name: sp.name ?? "",
      protocol: sp.protocol ?? "TCP",
      port:
        eps
          .find((e) => e.ports.some((p) => p.name === sp.name))
          ?.ports.find((p) => p.name === sp.name)?.port ?? null,
      ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
    }));
    const chunks: PodEndpoint[][] = [];
    for (let i = 0; i < eps.length; i += maxEndpointsPerSlice)
      chunks.push(eps.slice(i, i + maxEndpointsPerSlice));
    if (chunks.length === 0) chunks.push([]);
    const labels = {
      ...(svc.metadata?.labels ?? {}),
      "kubernetes.io/service-name": svc.metadata?.name ?? "",
      "endpointslice.kubernetes.io/managed-by": managedBy,
    };
    for (let i = 0; i < chunks.length; i++) {
      const endpoints = chunks[i]!.map((e) => ({
        addresses: [e.ip],
        conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
        ...(e.nodeName ? { nodeName: e.nodeName } : {}),
        ...(e.hostname ? { hostname: e.hostname } : {}),
        targetRef: targetRef(e),
      }));
      const body = { addressType: "IPv4", endpoints, ports };
      const existing = mine[i] as (KObject & typeof body) | undefined;
      if (existing) {
        const same =
          canonicalJSON({
            a: existing.endpoints ?? [],
            p: existing.ports ?? [],
            l: existing.metadata?.labels,
          }) === canonicalJSON({ a: endpoints, p: ports, l: labels });
        if (!same)
          await this.ignoreNotFound(
            this.opts.client.update(endpointSlicesRef, {
              ...existing,
              ...body,
              metadata: { ...existing.metadata, labels },
            }),
          );
      } else {
        await this.opts.client.create(endpointSlicesRef, svc.metadata?.namespace, {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: {
            generateName: `${svc.metadata?.name}-`,
            namespace: svc.metadata?.namespace,
            labels,
            ownerReferences: [newControllerRef(svc, "v1", "Service")],
          },
          ...body,
        });
      }
    }
    for (const extra of mine.slice(chunks.length)) {
      await this.ignoreNotFound(
        this.opts.client.delete(
          endpointSlicesRef,
          extra.metadata?.namespace,
          extra.metadata?.name ?? "",
        ),
      );
    }
    void uid;
  }
}

/**
 * The API server's "bootstrap-controller": keeps the `default/kubernetes`
 * Service (the first IP of the service range, port 443 named https, target
 * the secure port) and its Endpoints and EndpointSlice pointing at every
 * live API server. Each server renews a lease key under
 * `/registry/masterleases/` with a TTL (upstream's lease endpoint
 * reconciler), and the endpoints list the addresses of the leases present
 * (src/ha/master-leases.ts: keyed by IP and port, one subset per port, so
 * servers sharing an IP on different ports are all listed; one EndpointSlice
 * per port, "kubernetes" for the first).
 *
 * Contract: reconcile() is idempotent and writes only what differs.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { ServerContext } from "../context.ts";
import { RestStore, type WriteOptions } from "../rest-store.ts";
import {
  listMasterLeases,
  masterSubsets,
  renewMasterLease,
  type MasterLease,
} from "../../ha/master-leases.ts";

export interface KubernetesServiceOptions {
  /** The service's cluster IP: the first IP of the service range. */
  serviceIP: string;
  /** The API server's secure port (the endpoints' port). */
  securePort: number;
  /** The address pods reach this API server at (never loopback). */
  advertiseAddress: string;
  /** Lifetime of this server's lease; renewed on every reconcile (default 15 s). */
  leaseTtlSeconds?: number;
  /**
   * kube-apiserver --endpoint-reconciler-type: "lease" (default; every live
   * server, through TTL leases), "master-count" (this server's address only,
   * no lease writes: a single server) or "none" (endpoints left alone).
   */
  reconcilerType?: EndpointReconcilerType;
}

export type EndpointReconcilerType = "lease" | "master-count" | "none";

export { MASTER_LEASES_PREFIX } from "../../ha/master-leases.ts";
const SERVICE_NAME = "kubernetes";
const NAMESPACE = "default";

type Obj = Record<string, unknown>;

/** Reconciles default/kubernetes with its Endpoints and EndpointSlice. */
export class KubernetesServiceController {
  readonly #server: ServerContext;
  readonly #opts: KubernetesServiceOptions;
  readonly #writeOpts: WriteOptions = {
    dryRun: false,
    user: { username: "system:apiserver", groups: ["system:masters"] },
    subresource: "",
    fieldManager: "kube-apiserver",
  };
  /** The slices the last pass wrote (none yet: the first pass looks for stale ones). */
  #sliceNames = "";

  constructor(server: ServerContext, opts: KubernetesServiceOptions) {
    this.#server = server;
    this.#opts = opts;
  }

  /** One pass: lease renewed, then service, endpoints and slice brought in line. */
  async reconcile(): Promise<void> {
    const type = this.#opts.reconcilerType ?? "lease";
    const own = { ip: this.#opts.advertiseAddress, port: this.#opts.securePort };
    const subsets = masterSubsets(type === "lease" ? await this.#renewLease(own) : [own]);
    // Servers on different ports: the lowest live port, the same on every server.
    const targetPort = subsets[0]?.ports[0]?.port ?? own.port;
    const ports = [{ name: "https", protocol: "TCP", port: 443, targetPort }];
    await this.#ensure(
      this.#def("", "services"),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: SERVICE_NAME,
          namespace: NAMESPACE,
          labels: { component: "apiserver", provider: "kubernetes" },
        },
        spec: {
          type: "ClusterIP",
          clusterIP: this.#opts.serviceIP,
          sessionAffinity: "None",
          ports,
        },
      },
      (cur) => {
        const spec = (cur.spec ?? {}) as Obj;
        if (spec.type === "ClusterIP" && samePorts(spec.ports, ports)) return undefined;
        return { ...cur, spec: { ...spec, type: "ClusterIP", ports } };
      },
    );
    if (type === "none") return;
    const skipMirror = { "endpointslice.kubernetes.io/skip-mirror": "true" };
    await this.#ensure(
      this.#def("", "endpoints"),
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: SERVICE_NAME, namespace: NAMESPACE, labels: skipMirror },
        subsets,
      },
      (cur) =>
        same(cur.subsets, subsets) && same(cur.metadata?.labels, skipMirror)
          ? undefined
          : { ...cur, metadata: { ...cur.metadata, labels: skipMirror }, subsets },
    );
    const sliceDef = this.#server.registry.get("discovery.k8s.io", "v1", "endpointslices");
    if (!sliceDef) return;
    const names = subsets.map((sub, i) =>
      i === 0 ? SERVICE_NAME : `${SERVICE_NAME}-${sub.ports[0]!.port}`,
    );
    for (const [i, sub] of subsets.entries())
      await this.#ensureSlice(
        sliceDef,
        names[i]!,
        sub.addresses.map((a) => a.ip),
        sub.ports,
      );
    // Stale per-port slices are looked for only when the set of slices changes.
    if (names.join(",") !== this.#sliceNames) await this.#dropStaleSlices(sliceDef, names);
    this.#sliceNames = names.join(",");
  }

  /** One EndpointSlice of the kubernetes service: these addresses with these ports. */
  async #ensureSlice(
    sliceDef: ResourceDef,
    name: string,
    addresses: string[],
    endpointPorts: Obj[],
  ): Promise<void> {
    const endpoints = addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    const sliceLabels = { "kubernetes.io/service-name": SERVICE_NAME };
    await this.#ensure(
      sliceDef,
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name, namespace: NAMESPACE, labels: sliceLabels },
        addressType: "IPv4",
        endpoints,
        ports: endpointPorts,
      },
      (cur) =>
        same(cur.endpoints, endpoints) &&
        same(cur.ports, endpointPorts) &&
        same(cur.metadata?.labels, sliceLabels)
          ? undefined
          : {
              ...cur,
              metadata: { ...cur.metadata, labels: sliceLabels },
              addressType: "IPv4",
              endpoints,
              ports: endpointPorts,
            },
    );
  }

  /** Deletes the per-port slices ("kubernetes-<port>") of ports no server uses any more. */
  async #dropStaleSlices(sliceDef: ResourceDef, keep: string[]): Promise<void> {
    const { items } = await this.#server.store.list(sliceDef, NAMESPACE, {});
    for (const { obj } of items) {
      const name = obj.metadata?.name ?? "";
      if (keep.includes(name) || !new RegExp(`^${SERVICE_NAME}-\\d+$`).test(name)) continue;
      if (obj.metadata?.labels?.["kubernetes.io/service-name"] !== SERVICE_NAME) continue;
      await new RestStore(this.#server).deleteNow(sliceDef, obj, this.#writeOpts).catch(() => {});
    }
  }

  /** Writes this server's lease; returns every live server (this one included). */
  async #renewLease(own: MasterLease): Promise<MasterLease[]> {
    const backend = this.#server.store.backend;
    await renewMasterLease(backend, own, this.#opts.leaseTtlSeconds ?? 15);
    const leases = await listMasterLeases(backend, own.port);
    return leases.some((l) => l.ip === own.ip && l.port === own.port) ? leases : [...leases, own];
  }

  #def(group: string, resource: string): ResourceDef {
    const def = this.#server.registry.get(group, "v1", resource);
    if (!def) throw new Error(`Cannot reconcile the kubernetes service: ${resource} is not served`);
    return def;
  }

  /** Creates `desired` (by its name) when absent; otherwise writes `change(current)` unless it is undefined. */
  async #ensure(
    def: ResourceDef,
    desired: KObject,
    change: (current: KObject) => KObject | undefined,
  ): Promise<void> {
    const rest = new RestStore(this.#server);
    const name = desired.metadata?.name ?? SERVICE_NAME;
    const current = await this.#server.store.tryGet(def, NAMESPACE, name);
    if (!current) {
      try {
        await rest.create(def, structuredClone(desired), this.#writeOpts);
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === "AlreadyExists")) throw err;
      }
      return;
    }
    if (!change(current)) return;
    await rest.update(
      def,
      NAMESPACE,
      name,
      async (cur) => {
        const next = cur ? change(cur) : undefined;
        return next ?? cur ?? structuredClone(desired);
      },
      { ...this.#writeOpts, allowCreate: true },
    );
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function samePorts(current: unknown, wanted: Obj[]): boolean {
  const list = Array.isArray(current) ? (current as Obj[]) : [];
  return (
    list.length === wanted.length &&
    list.every(
      (p, i) =>
        p.name === wanted[i].name &&
        (p.protocol ?? "TCP") === wanted[i].protocol &&
        p.port === wanted[i].port &&
        p.targetPort === wanted[i].targetPort,
    )
  );
}

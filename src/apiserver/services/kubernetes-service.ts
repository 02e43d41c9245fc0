/**
 * The API server's "bootstrap-controller": keeps the `default/kubernetes`
 * Service (the first IP of the service range, port 443 named https, target
 * the secure port) and its Endpoints and EndpointSlice pointing at every
 * live API server. Each server renews a lease key
 * `/registry/masterleases/<ip>` with a TTL (upstream's lease endpoint
 * reconciler), and the endpoints list the addresses of the leases present.
 *
 * Contract: reconcile() is idempotent and writes only what differs.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { ServerContext } from "../context.ts";
import { RestStore, type WriteOptions } from "../rest-store.ts";
import { isStorageError } from "../../storage/errors.ts";

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

export const MASTER_LEASES_PREFIX = "/registry/masterleases/";
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

  constructor(server: ServerContext, opts: KubernetesServiceOptions) {
    this.#server = server;
    this.#opts = opts;
  }

  /** One pass: lease renewed, then service, endpoints and slice brought in line. */
  async reconcile(): Promise<void> {
    const type = this.#opts.reconcilerType ?? "lease";
    const addresses = type === "lease" ? await this.#renewLease() : [this.#opts.advertiseAddress];
    const ports = [
      { name: "https", protocol: "TCP", port: 443, targetPort: this.#opts.securePort },
    ];
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
    const endpointPorts = [{ name: "https", port: this.#opts.securePort, protocol: "TCP" }];
    const subsets = [{ addresses: addresses.map((ip) => ({ ip })), ports: endpointPorts }];
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
    const endpoints = addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    const sliceLabels = { "kubernetes.io/service-name": SERVICE_NAME };
    await this.#ensure(
      sliceDef,
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: SERVICE_NAME, namespace: NAMESPACE, labels: sliceLabels },
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

  /** Writes this server's lease; returns the addresses of every live lease, sorted. */
  async #renewLease(): Promise<string[]> {
    const backend = this.#server.store.backend;
    const ip = this.#opts.advertiseAddress;
    const key = `${MASTER_LEASES_PREFIX}${ip}`;
    const value = JSON.stringify({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: ip },
      subsets: [{ addresses: [{ ip }] }],
    });
    const ttl = { ttlSeconds: this.#opts.leaseTtlSeconds ?? 15 };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const { kv } = await backend.get(key);
        if (kv) await backend.update(key, value, kv.modRevision, ttl);
        else await backend.create(key, value, ttl);
        break;
      } catch (err) {
        const raced =
          isStorageError(err, "Conflict") ||
          isStorageError(err, "KeyExists") ||
          isStorageError(err, "KeyNotFound");
        if (!raced) throw err;
      }
    }
    const { kvs } = await backend.list(MASTER_LEASES_PREFIX);
    const ips = kvs.map((kv) => kv.key.slice(MASTER_LEASES_PREFIX.length)).filter(Boolean);
    if (!ips.includes(ip)) ips.push(ip);
    return [...new Set(ips)].sort();
  }

  #def(group: string, resource: string): ResourceDef {
    const def = this.#server.registry.get(group, "v1", resource);
    if (!def) throw new Error(`Cannot reconcile the kubernetes service: ${resource} is not served`);
    return def;
  }

  /** Creates `desired` when absent; otherwise writes `change(current)` unless it is undefined. */
  async #ensure(
    def: ResourceDef,
    desired: KObject,
    change: (current: KObject) => KObject | undefined,
  ): Promise<void> {
    const rest = new RestStore(this.#server);
    const current = await this.#server.store.tryGet(def, NAMESPACE, SERVICE_NAME);
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
      SERVICE_NAME,
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

/**
 * The `kube-system/kube-dns` Service (the cluster DNS IP, 10th of the
 * service range by default) and, since the DNS server is not a pod, its
 * Endpoints and EndpointSlice pointing at wherever the server listens for
 * pods. Written through the API like any client; idempotent.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists, isNotFound } from "../../client/api-error.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { endpointSlicesRef, endpointsRef, servicesRef } from "../../client/resources.ts";

export interface KubeDnsServiceOptions {
  /** The Service's cluster IP (kubelet --cluster-dns). */
  clusterIP: string;
  /** Address pods reach the DNS server at (an endpoint: never loopback). */
  address: string;
  /** Port the server listens on at that address (default 53). */
  port?: number;
}

const NAMESPACE = "kube-system";
const NAME = "kube-dns";
const LABELS = {
  "k8s-app": "kube-dns",
  "kubernetes.io/cluster-service": "true",
  "kubernetes.io/name": "CoreDNS",
};

type Obj = Record<string, unknown>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Creates or corrects the Service, Endpoints and EndpointSlice. */
export async function ensureKubeDnsService(
  client: RestClient,
  opts: KubeDnsServiceOptions,
): Promise<void> {
  const port = opts.port ?? 53;
  const ports = [
    { name: "dns", port: 53, protocol: "UDP", targetPort: port },
    { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: port },
  ];
  await ensure(
    client,
    servicesRef,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
      spec: { type: "ClusterIP", clusterIP: opts.clusterIP, ports },
    },
    (cur) => {
      const spec = (cur.spec ?? {}) as Obj;
      const have = (Array.isArray(spec.ports) ? (spec.ports as Obj[]) : []).map((p) => ({
        name: p.name,
        port: p.port,
        protocol: p.protocol,
        targetPort: p.targetPort,
      }));
      return same(have, ports) ? undefined : { ...cur, spec: { ...spec, ports } };
    },
  );
  const endpointPorts = [
    { name: "dns", port, protocol: "UDP" },
    { name: "dns-tcp", port, protocol: "TCP" },
  ];
  const subsets = [{ addresses: [{ ip: opts.address }], ports: endpointPorts }];
  const epLabels = { ...LABELS, "endpointslice.kubernetes.io/skip-mirror": "true" };
  await ensure(
    client,
    endpointsRef,
    {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: NAME, namespace: NAMESPACE, labels: epLabels },
      subsets,
    },
    (cur) => (same(cur.subsets, subsets) ? undefined : { ...cur, subsets }),
  );
  const endpoints = [{ addresses: [opts.address], conditions: { ready: true } }];
  await ensure(
    client,
    endpointSlicesRef,
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: NAME,
        namespace: NAMESPACE,
        labels: {
          ...LABELS,
          "kubernetes.io/service-name": NAME,
          "endpointslice.kubernetes.io/managed-by": "k8ts-dns",
        },
      },
      addressType: "IPv4",
      endpoints,
      ports: endpointPorts,
    },
    (cur) =>
      same(cur.endpoints, endpoints) && same(cur.ports, endpointPorts)
        ? undefined
        : { ...cur, endpoints, ports: endpointPorts },
  );
}

async function ensure(
  client: RestClient,
  ref: typeof servicesRef,
  desired: KObject,
  change: (current: KObject) => KObject | undefined,
): Promise<void> {
  let current: KObject | undefined;
  try {
    current = await client.get(ref, NAMESPACE, NAME);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!current) {
    try {
      await client.create(ref, NAMESPACE, desired);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return;
  }
  const next = change(current);
  if (next) await client.update(ref, next);
}

/**
 * What the cluster DNS answers from: Services and EndpointSlices, read from
 * shared informers (never from storage), with the indexes the lookups need:
 * slices by service, services by cluster IP, slices by endpoint address.
 */
import type { KObject } from "../../api/types.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { endpointSlicesRef, servicesRef } from "../../client/resources.ts";

export interface ServicePortInfo {
  name?: string;
  protocol?: string;
  port: number;
}

/** The parts of a v1 Service the DNS reads. */
export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string;
  /** "" when none; "None" for headless services. */
  clusterIP: string;
  clusterIPs: string[];
  externalName?: string;
  ports: ServicePortInfo[];
}

/** One address of an EndpointSlice with the slice's ports. */
export interface EndpointInfo {
  address: string;
  hostname?: string;
  ready: boolean;
  ports: ServicePortInfo[];
}

/** Read-only view of the cluster; implementations must not be mutated through it. */
export interface ClusterLookup {
  service(namespace: string, name: string): ServiceInfo | undefined;
  /** Endpoints of the service (every slice, IPv4 and IPv6). */
  endpoints(namespace: string, service: string): EndpointInfo[];
  /** Whether any service lives in the namespace (else its names are NXDOMAIN). */
  hasNamespace(namespace: string): boolean;
  /** Services whose cluster IPs include `ip`. */
  servicesByClusterIP(ip: string): ServiceInfo[];
  /** Endpoints with address `ip`, with the service each belongs to. */
  endpointsByIP(ip: string): { service: ServiceInfo; endpoint: EndpointInfo }[];
}

type Obj = Record<string, unknown>;

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/** Converts a stored Service into ServiceInfo. */
export function serviceInfo(svc: KObject): ServiceInfo {
  const spec = (svc.spec ?? {}) as Obj;
  const ips = Array.isArray(spec.clusterIPs) ? (spec.clusterIPs as string[]) : [];
  const clusterIP = typeof spec.clusterIP === "string" ? spec.clusterIP : (ips[0] ?? "");
  return {
    namespace: svc.metadata?.namespace ?? "",
    name: svc.metadata?.name ?? "",
    type: typeof spec.type === "string" ? spec.type : "ClusterIP",
    clusterIP,
    clusterIPs: ips.length > 0 ? ips : clusterIP ? [clusterIP] : [],
    externalName: typeof spec.externalName === "string" ? spec.externalName : undefined,
    ports: (Array.isArray(spec.ports) ? (spec.ports as Obj[]) : []).map((p) => ({
      name: typeof p.name === "string" ? p.name : undefined,
      protocol: typeof p.protocol === "string" ? p.protocol : "TCP",
      port: Number(p.port),
    })),
  };
}

/** The endpoints of one EndpointSlice. */
export function sliceEndpoints(slice: KObject): EndpointInfo[] {
  const s = slice as Obj;
  const ports = (Array.isArray(s.ports) ? (s.ports as Obj[]) : []).map((p) => ({
    name: typeof p.name === "string" && p.name ? p.name : undefined,
    protocol: typeof p.protocol === "string" ? p.protocol : "TCP",
    port: Number(p.port),
  }));
  const out: EndpointInfo[] = [];
  for (const e of Array.isArray(s.endpoints) ? (s.endpoints as Obj[]) : []) {
    const ready = ((e.conditions ?? {}) as Obj).ready !== false;
    const hostname = typeof e.hostname === "string" && e.hostname ? e.hostname : undefined;
    for (const address of Array.isArray(e.addresses) ? (e.addresses as string[]) : [])
      out.push({ address, hostname, ready, ports });
  }
  return out;
}

/** A ClusterLookup over a services informer and an endpointslices informer. */
export class InformerClusterLookup implements ClusterLookup {
  readonly #services: SharedInformer;
  readonly #slices: SharedInformer;

  constructor(factory: InformerFactory) {
    this.#services = factory.informerFor(servicesRef);
    this.#slices = factory.informerFor(endpointSlicesRef);
    this.#services.indexer.addIndex("namespace", (o) => [o.metadata?.namespace ?? ""]);
    this.#services.indexer.addIndex("clusterIP", (o) => serviceInfo(o).clusterIPs);
    this.#slices.indexer.addIndex("service", (o) => {
      const name = o.metadata?.labels?.[SERVICE_NAME_LABEL];
      return name ? [`${o.metadata?.namespace}/${name}`] : [];
    });
    this.#slices.indexer.addIndex("address", (o) => sliceEndpoints(o).map((e) => e.address));
  }

  /** Resolves once both caches have synced. */
  async waitForSync(): Promise<void> {
    await Promise.all([this.#services.waitForSync(), this.#slices.waitForSync()]);
  }

  service(namespace: string, name: string): ServiceInfo | undefined {
    const svc = this.#services.indexer.get(`${namespace}/${name}`);
    return svc ? serviceInfo(svc) : undefined;
  }

  endpoints(namespace: string, service: string): EndpointInfo[] {
    return this.#slices.indexer
      .byIndex("service", `${namespace}/${service}`)
      .flatMap((s) => sliceEndpoints(s));
  }

  hasNamespace(namespace: string): boolean {
    return this.#services.indexer.byIndex("namespace", namespace).length > 0;
  }

  servicesByClusterIP(ip: string): ServiceInfo[] {
    return this.#services.indexer.byIndex("clusterIP", ip).map(serviceInfo);
  }

  endpointsByIP(ip: string): { service: ServiceInfo; endpoint: EndpointInfo }[] {
    const out: { service: ServiceInfo; endpoint: EndpointInfo }[] = [];
    for (const slice of this.#slices.indexer.byIndex("address", ip)) {
      const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      const service = name ? this.service(slice.metadata?.namespace ?? "", name) : undefined;
      if (!service) continue;
      for (const endpoint of sliceEndpoints(slice))
        if (endpoint.address === ip) out.push({ service, endpoint });
    }
    return out;
  }
}

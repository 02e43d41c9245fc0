/**
 * What the proxy needs from EndpointSlices: for each service port name, the
 * endpoints (ip:port) with their conditions and whether they run on this
 * node. Slices of one service are merged; duplicates collapse. Pure.
 */
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { servicePortName } from "./iptables/chain-names.ts";

export interface EndpointInfo {
  /** `ip:port`, the DNAT target. */
  endpoint: string;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  isLocal: boolean;
}

/** The label that ties a slice to its Service. */
export const serviceNameLabel = "kubernetes.io/service-name";

/** The service key ("ns/name") a slice belongs to, if any. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata?.labels?.[serviceNameLabel];
  return svc ? `${slice.metadata?.namespace ?? "default"}/${svc}` : undefined;
}

/**
 * Merges a service's slices into endpoints per service port name. Only
 * IPv4 slices are used. Output is sorted by endpoint for stable rules.
 */
export function endpointsByServicePort(
  slices: readonly EndpointSlice[],
  nodeName: string,
): Map<string, EndpointInfo[]> {
  const out = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType !== "IPv4") continue;
    const ns = slice.metadata?.namespace ?? "default";
    const svc = slice.metadata?.labels?.[serviceNameLabel];
    if (!svc) continue;
    for (const port of slice.ports ?? []) {
      if (port.port === undefined || port.port === null) continue;
      const spn = `${servicePortName(ns, svc, port.name ?? "")}/${port.protocol ?? "TCP"}`;
      let eps = out.get(spn);
      if (!eps) out.set(spn, (eps = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip) continue;
        const c = ep.conditions ?? {};
        const ready = c.ready !== false;
        const info: EndpointInfo = {
          endpoint: `${ip}:${port.port}`,
          ip,
          ready,
          serving: c.serving ?? ready,
          terminating: c.terminating ?? false,
          isLocal: ep.nodeName === nodeName,
        };
        if (!eps.has(info.endpoint) || info.ready) eps.set(info.endpoint, info);
      }
    }
  }
  const sorted = new Map<string, EndpointInfo[]>();
  for (const [spn, eps] of out) {
    sorted.set(
      spn,
      [...eps.values()].sort((a, b) =>
        a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0,
      ),
    );
  }
  return sorted;
}

/**
 * The endpoints traffic may use, as upstream's CategorizeEndpoints: ready
 * ones, or if none are ready the serving-and-terminating ones. `local`
 * restricts to this node's endpoints (the fallback applies within them).
 */
export function usableEndpoints(eps: readonly EndpointInfo[], local: boolean): EndpointInfo[] {
  const pool = local ? eps.filter((e) => e.isLocal) : eps;
  const ready = pool.filter((e) => e.ready);
  return ready.length > 0 ? ready : pool.filter((e) => e.serving && e.terminating);
}

/**
 * The proxy's Endpoints source (upstream kube-proxy before EndpointSlices):
 * a node identity may read Endpoints (system:node) but not EndpointSlices,
 * so a proxy running with the kubelet's credentials (`k8ts agent`) watches
 * Endpoints and feeds the proxier the equivalent slices. Pure.
 *
 * Contract: one slice per subset, named `<endpoints>-ep<i>`, labelled with
 * the service name; ready addresses are ready, notReadyAddresses are not;
 * IPv4 addresses only.
 */
import type { Endpoints } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { serviceNameLabel } from "./endpoint-info.ts";

const isIPv4 = (ip: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/** The slices equivalent to an Endpoints object (none for an empty one). */
export function slicesFromEndpoints(ep: Endpoints): EndpointSlice[] {
  const name = ep.metadata?.name ?? "";
  const namespace = ep.metadata?.namespace ?? "default";
  return (ep.subsets ?? []).map((subset, i) => {
    const addr = (ready: boolean) =>
      (ready ? (subset.addresses ?? []) : (subset.notReadyAddresses ?? []))
        .filter((a) => isIPv4(a.ip))
        .map((a) => ({
          addresses: [a.ip],
          conditions: { ready, serving: ready, terminating: false },
          ...(a.nodeName ? { nodeName: a.nodeName } : {}),
        }));
    return {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-ep${i}`, namespace, labels: { [serviceNameLabel]: name } },
      addressType: "IPv4",
      endpoints: [...addr(true), ...addr(false)],
      ports: (subset.ports ?? []).map((p) => ({
        name: p.name ?? "",
        port: p.port,
        protocol: p.protocol ?? "TCP",
      })),
    };
  });
}

/** The proxier calls an Endpoints change maps to (deletes for subsets that went away). */
export interface SliceSink {
  onEndpointSliceUpdate(old: EndpointSlice | undefined, slice: EndpointSlice): void;
  onEndpointSliceDelete(slice: EndpointSlice): void;
}

/** Applies an Endpoints add/update/delete (`next` undefined) to the proxier as slice events. */
export function applyEndpoints(
  sink: SliceSink,
  prev: Endpoints | undefined,
  next: Endpoints | undefined,
): void {
  const before = prev ? slicesFromEndpoints(prev) : [];
  const after = next ? slicesFromEndpoints(next) : [];
  const kept = new Set(after.map((s) => s.metadata!.name));
  for (const s of before) if (!kept.has(s.metadata!.name)) sink.onEndpointSliceDelete(s);
  for (const s of after) sink.onEndpointSliceUpdate(undefined, s);
}

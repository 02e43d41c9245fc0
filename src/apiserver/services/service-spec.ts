/** Readers of an untyped Service spec shared by the allocator and the repair loop. */
import type { KObject } from "../../api/types.ts";

/** A Service's spec and one of its ports, as stored (untyped JSON). */
export type Spec = Record<string, unknown>;
export type Port = Record<string, unknown>;

/** The spec of `svc`, created empty when missing (mutates svc). */
export function specOf(svc: KObject): Spec {
  if (typeof svc.spec !== "object" || svc.spec === null) svc.spec = {};
  return svc.spec as Spec;
}

/** The port objects of a spec (non-objects skipped). */
export function portsOf(spec: Spec): Port[] {
  return Array.isArray(spec.ports)
    ? spec.ports.filter((p): p is Port => typeof p === "object" && p !== null)
    : [];
}

/** spec.type, defaulting to ClusterIP. */
export function typeOf(spec: Spec): string {
  return typeof spec.type === "string" && spec.type ? spec.type : "ClusterIP";
}

/** The service's primary cluster IP as requested or stored ("" when none). */
export function clusterIPOf(spec: Spec): string {
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  const first = typeof ips[0] === "string" ? ips[0] : "";
  return first || (typeof spec.clusterIP === "string" ? spec.clusterIP : "");
}

/** Whether the service holds a cluster IP (not ExternalName, not headless). */
export function hasClusterIP(spec: Spec): boolean {
  return typeOf(spec) !== "ExternalName" && clusterIPOf(spec) !== "None";
}

export function needsNodePorts(spec: Spec): boolean {
  const t = typeOf(spec);
  return t === "NodePort" || t === "LoadBalancer";
}

/** Upstream's shouldAllocateNodePorts. */
export function shouldAllocateNodePorts(spec: Spec): boolean {
  const t = typeOf(spec);
  if (t === "NodePort") return true;
  return t === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false;
}

/** Upstream's NeedsHealthCheck: LoadBalancer with externalTrafficPolicy Local. */
export function needsHealthCheck(spec: Spec): boolean {
  return typeOf(spec) === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

export function nodePortsOf(spec: Spec): number[] {
  return portsOf(spec)
    .map((p) => Number(p.nodePort ?? 0))
    .filter((n) => Number.isInteger(n) && n > 0);
}

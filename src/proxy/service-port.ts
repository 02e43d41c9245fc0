/**
 * What the proxy needs from a Service: one ServicePortInfo per port, with
 * the addresses it is reachable on and its traffic policies. Pure.
 */
import type { Service } from "kubernetes-types/core/v1.d.ts";
import { servicePortName } from "./iptables/chain-names.ts";

export interface ServicePortInfo {
  /** `ns/name:port` (upstream ServicePortName.String()). */
  name: string;
  namespace: string;
  serviceName: string;
  portName: string;
  protocol: "TCP" | "UDP" | "SCTP";
  port: number;
  clusterIPs: string[];
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** sessionAffinity ClientIP timeout in seconds; undefined: no affinity. */
  affinitySeconds?: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** LoadBalancer only: sources allowed to the load balancer IPs (IPv4 CIDRs; empty: all). */
  loadBalancerSourceRanges: string[];
  /** LoadBalancer with externalTrafficPolicy Local: the health check node port. */
  healthCheckNodePort?: number;
}

const defaultAffinitySeconds = 10800;

/** Upstream's older way to give source ranges (used when the field is empty). */
const sourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges";

function isIPv4CIDR(cidr: string): boolean {
  const [ip, len, ...rest] = cidr.split("/");
  return rest.length === 0 && isIPv4(ip) && /^\d{1,2}$/.test(len ?? "") && Number(len) <= 32;
}

function isIPv4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

/**
 * The ports the proxy serves for a Service. ExternalName services, headless
 * services and services without a ClusterIP yield none. Only IPv4 is served
 * (this proxier programs iptables, not ip6tables).
 */
export function servicePorts(svc: Service): ServicePortInfo[] {
  const spec = svc.spec;
  const ns = svc.metadata?.namespace ?? "default";
  const name = svc.metadata?.name ?? "";
  if (!spec || spec.type === "ExternalName") return [];
  const clusterIPs = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter(isIPv4);
  if (spec.clusterIP === "None" || clusterIPs.length === 0) return [];
  const external = spec.type === "NodePort" || spec.type === "LoadBalancer";
  const lbIPs =
    spec.type === "LoadBalancer"
      ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isIPv4)
      : [];
  const affinity =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultAffinitySeconds)
      : undefined;
  const lb = spec.type === "LoadBalancer";
  const rangesField = spec.loadBalancerSourceRanges ?? [];
  const ranges = lb
    ? (rangesField.length > 0
        ? rangesField
        : (svc.metadata?.annotations?.[sourceRangesAnnotation] ?? "").split(",")
      )
        .map((r) => r.trim())
        .filter(isIPv4CIDR)
    : [];
  const externalLocal =
    (external || (spec.externalIPs?.length ?? 0) > 0) && spec.externalTrafficPolicy === "Local";
  const healthCheckNodePort =
    lb && externalLocal && spec.healthCheckNodePort ? spec.healthCheckNodePort : undefined;
  return (spec.ports ?? []).map((p) => ({
    name: servicePortName(ns, name, p.name ?? ""),
    namespace: ns,
    serviceName: name,
    portName: p.name ?? "",
    protocol: (p.protocol ?? "TCP") as ServicePortInfo["protocol"],
    port: p.port,
    clusterIPs,
    nodePort: external && p.nodePort ? p.nodePort : undefined,
    externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
    loadBalancerIPs: lbIPs,
    affinitySeconds: affinity,
    externalPolicyLocal: externalLocal,
    internalPolicyLocal: spec.internalTrafficPolicy === "Local",
    loadBalancerSourceRanges: ranges,
    healthCheckNodePort,
  }));
}

/** True when the port is reachable from outside the cluster network. */
export function usesExternalAddresses(sp: ServicePortInfo): boolean {
  return sp.nodePort !== undefined || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
}

/**
 * Service defaulting as upstream's SetDefaults_Service, plus the IP-family
 * fields upstream's service REST fills on a single-stack IPv4 cluster, and
 * the carry-over of allocated values on update (patchAllocatedValues).
 */
import type { KObject } from "../types.ts";
import { isObject, obj, objects, str } from "../validation/field.ts";

type Obj = Record<string, unknown>;

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** Defaults of a Service (create, update and patch). */
export function defaultService(svc: KObject): void {
  setDefault(svc, "spec", {});
  const spec = svc.spec as Obj;
  setDefault(spec, "type", "ClusterIP");
  setDefault(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "ClientIP") {
    setDefault(spec, "sessionAffinityConfig", {});
    const cfg = spec.sessionAffinityConfig as Obj;
    setDefault(cfg, "clientIP", {});
    setDefault(cfg.clientIP as Obj, "timeoutSeconds", 10800);
  }
  for (const p of objects(spec.ports)) {
    setDefault(p, "protocol", "TCP");
    if (
      p.targetPort === undefined ||
      p.targetPort === null ||
      p.targetPort === 0 ||
      p.targetPort === ""
    ) {
      p.targetPort = p.port;
    }
  }
  const type = spec.type;
  if ((type === "NodePort" || type === "LoadBalancer") && !str(spec.externalTrafficPolicy)) {
    spec.externalTrafficPolicy = "Cluster";
  }
  if (type !== "ExternalName") setDefault(spec, "internalTrafficPolicy", "Cluster");
  if (type === "LoadBalancer") setDefault(spec, "allocateLoadBalancerNodePorts", true);
  if (str(spec.clusterIP) && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  if (type !== "ExternalName") {
    const headlessNoSelector = spec.clusterIP === "None" && !isObject(spec.selector);
    setDefault(spec, "ipFamilyPolicy", headlessNoSelector ? "RequireDualStack" : "SingleStack");
    const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(str) : [];
    const family = ips[0] && ips[0] !== "None" && ips[0].includes(":") ? "IPv6" : "IPv4";
    setDefault(spec, "ipFamilies", [family]);
  }
  setDefault(svc, "status", { loadBalancer: {} });
}

/**
 * On update, values the cluster allocated (clusterIP(s), nodePorts,
 * healthCheckNodePort) carry over when the new object leaves them unset.
 */
export function patchAllocatedValues(svc: KObject, old: KObject): void {
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  if (!isObject(svc.spec)) return;
  if (spec.type === "ExternalName" || oldSpec.type === "ExternalName") return;
  if (!str(spec.clusterIP) && str(oldSpec.clusterIP)) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (
    (spec.type === "NodePort" || spec.type === "LoadBalancer") &&
    (oldSpec.type === "NodePort" || oldSpec.type === "LoadBalancer")
  ) {
    const oldPorts = objects(oldSpec.ports);
    for (const p of objects(spec.ports)) {
      if (p.nodePort) continue;
      const match = oldPorts.find(
        (o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"),
      );
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
    if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort)
      spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

/**
 * What both the Endpoints and EndpointSlice controllers compute: the pods a
 * Service selects that have an IP, their readiness, and each service port
 * resolved against the pod's named container ports.
 */
import type { KObject } from "../../api/types.ts";
import { isPodReady, type Pod } from "../util/pods.ts";

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

export type Service = KObject & {
  spec?: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    type?: string;
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
  };
};

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface PodEndpoint {
  ip: string;
  nodeName?: string;
  hostname?: string;
  pod: Pod;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The service's ports as this pod serves them. */
  ports: EndpointPort[];
}

type ContainerPort = { name?: string; containerPort?: number; protocol?: string };

/** Resolves targetPort (number, name or absent) on a pod. */
export function resolvePort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers =
    (pod.spec as { containers?: { ports?: ContainerPort[] }[] } | undefined)?.containers ?? [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === (sp.protocol ?? "TCP"))
        return p.containerPort;
    }
  }
  return undefined;
}

/** Endpoints for a service with a selector; undefined for selector-less services (managed by users). */
export function serviceEndpoints(svc: Service, pods: Pod[]): PodEndpoint[] | undefined {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  if (svc.spec?.type === "ExternalName") return [];
  // A set selector is plain equality: compared directly (this loop runs over
  // every pod of the namespace on each service sync).
  const wanted = Object.entries(selector);
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    const labels = pod.metadata?.labels;
    if (!labels || !wanted.every(([k, v]) => labels[k] === v)) continue;
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    if (!ip) continue;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") continue;
    const terminating = !!pod.metadata?.deletionTimestamp;
    const ready = isPodReady(pod) || !!svc.spec?.publishNotReadyAddresses;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolvePort(pod, sp);
      if (port === undefined) continue;
      ports.push({
        name: sp.name,
        port,
        protocol: sp.protocol ?? "TCP",
        appProtocol: sp.appProtocol,
      });
    }
    const spec = pod.spec as { hostname?: string; subdomain?: string; nodeName?: string };
    out.push({
      ip,
      nodeName: spec?.nodeName,
      hostname: spec?.subdomain === svc.metadata?.name ? spec?.hostname : undefined,
      pod,
      ready: ready && !terminating,
      serving: ready,
      terminating,
      ports,
    });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

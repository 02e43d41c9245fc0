/**
 * The local APIServices upstream's autoregister controller keeps for every
 * group version the API server serves itself (`v1.`, `v1.apps`, ...), with
 * spec.service unset and Available=True (reason Local). Priorities follow
 * kube-apiserver's table where it has one.
 */
import type { Registry } from "../../api/registry.ts";
import type { KObject } from "../../api/types.ts";
import { apiServiceName } from "../../api/resources/apiregistration.ts";

/** groupPriorityMinimum by group (kube-apiserver's apiVersionPriorities). */
const GROUP_PRIORITY: Record<string, number> = {
  "": 18000,
  apps: 17800,
  "events.k8s.io": 17750,
  "authentication.k8s.io": 17700,
  "authorization.k8s.io": 17600,
  autoscaling: 17500,
  batch: 17400,
  "certificates.k8s.io": 17300,
  "networking.k8s.io": 17200,
  policy: 17100,
  "rbac.authorization.k8s.io": 17000,
  "storage.k8s.io": 16800,
  "admissionregistration.k8s.io": 16700,
  "scheduling.k8s.io": 16600,
  "coordination.k8s.io": 16500,
  "apiextensions.k8s.io": 16400,
  "node.k8s.io": 16300,
  "discovery.k8s.io": 16200,
  "flowcontrol.apiserver.k8s.io": 16100,
  "apiregistration.k8s.io": 16000,
};

/** The APIService objects for the registry's served group versions. */
export function localApiServices(registry: Registry, now: string): KObject[] {
  return registry.groupVersions().map((gv) => ({
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: {
      name: apiServiceName(gv.group, gv.version),
      labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" },
    },
    spec: {
      group: gv.group,
      version: gv.version,
      groupPriorityMinimum: GROUP_PRIORITY[gv.group] ?? 1000,
      versionPriority: gv.preferred ? 15 : 9,
    },
    status: {
      conditions: [
        {
          type: "Available",
          status: "True",
          lastTransitionTime: now,
          reason: "Local",
          message: "Local APIServices are always available",
        },
      ],
    },
  }));
}

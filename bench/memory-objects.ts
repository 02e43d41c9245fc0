/**
 * The objects bench:memory stores: Nodes, ReplicaSets and their pods, bound
 * and then given a Running status shaped like the one the kubelet (and so
 * the simulator) writes, and one Event per pod as the components emit.
 */
import type { KObject } from "../src/api/types.ts";

/** Pods per namespace (the limit is 3,000). */
export const PODS_PER_NAMESPACE = 3_000;

/** A Ready Node named name (status as a kubelet registers it). */
export function nodeObject(name: string): KObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": `zone-${name.length % 3}`,
        type: "hollow",
      },
    },
    spec: {},
  };
}

/** The Node's status: Ready, with capacity for 110 pods. */
export function nodeStatus(now: string): Record<string, unknown> {
  const resources = { cpu: "32", memory: "128Gi", pods: "110", "ephemeral-storage": "100Gi" };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID"],
      ["Ready", "True", "KubeletReady"],
    ].map(([type, status, reason]) => ({
      type,
      status,
      reason,
      message: reason,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    })),
    nodeInfo: {
      kubeletVersion: "v1.32.0",
      containerRuntimeVersion: "simulated://1.0",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/** A ReplicaSet of a Deployment-like app (selector app=<name>). */
export function replicaSetObject(name: string, replicas: number): KObject {
  const labels = { app: name, "pod-template-hash": "5d8f7c9b6" };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container()] } },
    },
  };
}

function container(): Record<string, unknown> {
  return {
    name: "app",
    image: "registry.k8s.io/pause:3.10",
    ports: [{ containerPort: 8080, protocol: "TCP" }],
    resources: { requests: { cpu: "10m", memory: "16Mi" } },
  };
}

/**
 * Pod `name` of ReplicaSet rs, bound to nodeName (as the RS controller
 * creates it, owner set, when owner is given).
 */
export function podObject(name: string, rs: KObject, nodeName: string, owner: boolean): KObject {
  const labels = (rs.spec as { selector: { matchLabels: Record<string, string> } }).selector
    .matchLabels;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      generateName: `${rs.metadata!.name}-`,
      labels,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: rs.metadata!.name!,
                uid: rs.metadata!.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: { nodeName, containers: [container()] },
  };
}

/**
 * The status patch of a Running, Ready pod (the kubelet's status manager's
 * shape) with one container's status (podObject's container by default).
 */
export function runningStatus(
  index: number,
  nodeIP: string,
  now: string,
  container = "app",
): { status: Record<string, unknown> } {
  const podIP = `10.${64 + ((index >> 16) & 63)}.${(index >> 8) & 255}.${index & 255}`;
  const condition = (type: string) => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: now,
  });
  return {
    status: {
      phase: "Running",
      conditions: [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
      ].map(condition),
      hostIP: nodeIP,
      hostIPs: [{ ip: nodeIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: now,
      qosClass: "Burstable",
      containerStatuses: [
        {
          name: container,
          state: { running: { startedAt: now } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: "registry.k8s.io/pause:3.10",
          imageID:
            "registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a",
          containerID: `containerd://${index.toString(16).padStart(64, "0")}`,
          started: true,
        },
      ],
    },
  };
}

/** An Event about the pod, as the scheduler and kubelet post them (Scheduled / Started). */
export function podEvent(pod: KObject, reason: string, now: string): KObject {
  const m = pod.metadata!;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${m.name}.${reason.toLowerCase()}`, namespace: m.namespace },
    involvedObject: {
      apiVersion: "v1",
      kind: "Pod",
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
    },
    reason,
    message: `Successfully assigned ${m.namespace}/${m.name} to ${(pod.spec as { nodeName: string }).nodeName}`,
    source: { component: "default-scheduler" },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type: "Normal",
    reportingComponent: "default-scheduler",
    reportingInstance: "default-scheduler-k8ts",
  };
}

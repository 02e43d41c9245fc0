/**
 * Node registration and status (upstream kubelet_node_status): the Node
 * object with its labels and podCIDR, then its status — capacity,
 * allocatable, conditions, addresses, daemon endpoint, nodeInfo, images —
 * written when it changes and at least every 5 minutes (checked every 10 s).
 */
import type { Node, NodeCondition, NodeStatus } from "kubernetes-types/core/v1.d.ts";
import { isAlreadyExists } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { nodesRef } from "../../client/resources.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { nodeShuttingDownMessage } from "./node-shutdown.ts";
import { nodeResources, type MachineInfo } from "./machine-info.ts";

export const KUBELET_VERSION = "v1.32.0";

export interface NodeStatusOptions {
  client: RestClient;
  runtime: ContainerRuntime;
  clock: Clock;
  nodeName: string;
  hostIP: string;
  machine: MachineInfo;
  podCIDR?: string;
  labels?: Record<string, string>;
  kubeletPort?: number;
  /** True while the node shuts down: Ready is False with "node is shutting down". */
  shuttingDown?(): boolean;
  /** Node pressure from the eviction manager (default none). */
  pressure?(): { memory: boolean; disk: boolean; pid?: boolean };
  /**
   * The Node as the API server has it (default: a GET with resourceVersion=0,
   * served from the watch cache, as upstream's kubelet reads it each period).
   */
  serverNode?(): Promise<Node | undefined>;
}

const iso = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** The Node object to create at registration. */
export function initialNode(o: NodeStatusOptions): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.nodeName,
      labels: {
        "kubernetes.io/hostname": o.nodeName,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": o.machine.architecture,
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": o.machine.architecture,
        ...(o.labels ?? {}),
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: o.podCIDR ? { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] } : {},
  };
}

/** Whether the server's conditions say what ours say (type, status, reason, message). */
function sameConditions(server: NodeCondition[] | undefined, ours: NodeCondition[]): boolean {
  const byType = new Map((server ?? []).map((c) => [c.type, c]));
  return ours.every((c) => {
    const s = byType.get(c.type);
    return (
      s !== undefined &&
      s.status === c.status &&
      (s.reason ?? "") === (c.reason ?? "") &&
      (s.message ?? "") === (c.message ?? "")
    );
  });
}

export class NodeStatusReporter {
  private lastReported = 0;
  private lastBody = "";
  private conditions = new Map<string, NodeCondition>();

  constructor(private readonly o: NodeStatusOptions) {}

  private serverNode(): Promise<Node | undefined> {
    if (this.o.serverNode) return this.o.serverNode();
    return this.o.client.request<Node>(
      "GET",
      `/api/v1/nodes/${encodeURIComponent(this.o.nodeName)}?resourceVersion=0`,
    );
  }

  /** Creates the Node (or adopts an existing one, merging our labels and podCIDR). */
  async register(): Promise<void> {
    const node = initialNode(this.o);
    try {
      await this.o.client.create(nodesRef, undefined, node);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.o.client.patch(nodesRef, undefined, this.o.nodeName, "merge", {
        metadata: { labels: node.metadata!.labels },
      });
    }
  }

  private condition(
    type: string,
    ok: boolean,
    reason: string,
    message: string,
    now: number,
  ): NodeCondition {
    const status = type === "Ready" ? (ok ? "True" : "False") : ok ? "False" : "True";
    const prev = this.conditions.get(type);
    const c: NodeCondition = {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: iso(now),
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : iso(now),
    };
    this.conditions.set(type, c);
    return c;
  }

  /** The status as of now. */
  async status(): Promise<NodeStatus> {
    const now = this.o.clock.now();
    const { capacity, allocatable } = nodeResources(this.o.machine);
    let runtimeOk = false;
    let runtimeMsg = "container runtime is down";
    let version = "";
    try {
      const conds = await this.o.runtime.status();
      const bad = conds.filter((c) => !c.status);
      runtimeOk = bad.length === 0;
      runtimeMsg = bad
        .map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`)
        .join(", ");
      const v = await this.o.runtime.version();
      version = `${v.runtimeName}://${v.runtimeVersion}`;
    } catch (err) {
      runtimeMsg = `container runtime is down: ${err instanceof Error ? err.message : String(err)}`;
    }
    const images = await this.o.runtime.listImages().catch(() => []);
    const pressure = this.o.pressure?.() ?? { memory: false, disk: false, pid: false };
    return {
      capacity,
      allocatable,
      conditions: [
        pressure.memory
          ? this.condition(
              "MemoryPressure",
              false,
              "KubeletHasInsufficientMemory",
              "kubelet has insufficient memory available",
              now,
            )
          : this.condition(
              "MemoryPressure",
              true,
              "KubeletHasSufficientMemory",
              "kubelet has sufficient memory available",
              now,
            ),
        pressure.disk
          ? this.condition(
              "DiskPressure",
              false,
              "KubeletHasDiskPressure",
              "kubelet has disk pressure",
              now,
            )
          : this.condition(
              "DiskPressure",
              true,
              "KubeletHasNoDiskPressure",
              "kubelet has no disk pressure",
              now,
            ),
        pressure.pid
          ? this.condition(
              "PIDPressure",
              false,
              "KubeletHasInsufficientPID",
              "kubelet has insufficient PID available",
              now,
            )
          : this.condition(
              "PIDPressure",
              true,
              "KubeletHasSufficientPID",
              "kubelet has sufficient PID available",
              now,
            ),
        this.o.shuttingDown?.()
          ? this.condition("Ready", false, "KubeletNotReady", nodeShuttingDownMessage, now)
          : runtimeOk
            ? this.condition("Ready", true, "KubeletReady", "kubelet is posting ready status", now)
            : this.condition("Ready", false, "KubeletNotReady", runtimeMsg, now),
      ],
      addresses: [
        { type: "InternalIP", address: this.o.hostIP },
        { type: "Hostname", address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort ?? 10250 } },
      nodeInfo: {
        machineID: this.o.machine.machineID,
        systemUUID: this.o.machine.systemUUID,
        bootID: this.o.machine.bootID,
        kernelVersion: this.o.machine.kernelVersion,
        osImage: this.o.machine.osImage,
        containerRuntimeVersion: version,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: "linux",
        architecture: this.o.machine.architecture,
      },
      images: images
        .filter((i) => i.repoTags.length || i.repoDigests.length)
        .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size })),
    };
  }

  /**
   * Writes the status if it differs (ignoring heartbeat times) from the last
   * one written or from the server's Node, or on force / after 5 min, as
   * upstream's tryUpdateNodeStatus compares with the Node it reads: when the
   * node lifecycle controller marked the node Unknown, the next period puts
   * Ready back instead of waiting for the 5-minute report.
   */
  async report(force = false): Promise<boolean> {
    const status = await this.status();
    const body = JSON.stringify({
      ...status,
      conditions: status.conditions!.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
    });
    const now = this.o.clock.now();
    if (!force && body === this.lastBody && now - this.lastReported < 5 * 60_000) {
      const server = await this.serverNode().catch(() => undefined);
      if (!server || sameConditions(server.status?.conditions, status.conditions!)) return false;
    }
    await this.o.client.patch(
      nodesRef,
      undefined,
      this.o.nodeName,
      "merge",
      { status },
      { subresource: "status" },
    );
    this.lastBody = body;
    this.lastReported = now;
    return true;
  }
}

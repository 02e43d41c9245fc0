/**
 * The kubelet's simulated ContainerRuntime as a hollow node uses it: Job pods
 * exit 0 after the profile's job duration, stopping a container takes the
 * profile's stop delay (capped by the grace period), and stats report the
 * profile's usage (or the pod's usage annotations). Containers that will exit
 * on their own wake their pod worker when they do (the hollow node has no
 * per-node relist).
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../client/clock.ts";
import { labelPodUID } from "../kubelet/pod/runtime-config.ts";
import type {
  ContainerConfig,
  ContainerStats,
  PodSandboxStats,
} from "../kubelet/runtime/runtime.ts";
import {
  defaultBehaviour,
  normalizeImageName,
  SimulatedRuntime,
  type SimulatedBehaviour,
} from "../kubelet/runtime/simulated/simulated-runtime.ts";
import type { SimulationProfile } from "./profile.ts";
import { containerUsage } from "./usage.ts";

export interface HollowRuntimeOptions {
  clock: Clock;
  profile: SimulationProfile;
  /** First three octets of pod IPs. */
  ipPrefix: string;
  /** The pod with this uid, as the node last saw it. */
  podFor(uid: string): Pod | undefined;
  /** Called when a container of pod uid will exit on its own in ms. */
  exitsIn(uid: string, ms: number): void;
}

/** True for a pod a Job controller owns. */
export function isJobPod(pod: Pod | undefined): boolean {
  return !!pod?.metadata?.ownerReferences?.some((o) => o.kind === "Job" && o.controller);
}

export class HollowRuntime extends SimulatedRuntime {
  constructor(private readonly h: HollowRuntimeOptions) {
    super({
      clock: h.clock,
      sandboxDelayMs: h.profile.sandboxDelayMs,
      startDelayMs: h.profile.startDelayMs,
      ipPrefix: h.ipPrefix,
      behaviour: (config) => this.behaviourOf(config),
    });
  }

  private behaviourOf(config: ContainerConfig): SimulatedBehaviour {
    const uid = config.labels[labelPodUID] ?? "";
    const b: SimulatedBehaviour = isJobPod(this.h.podFor(uid))
      ? { exitAfterMs: this.h.profile.jobDurationMs, exitCode: 0 }
      : defaultBehaviour(config);
    if (b.exitAfterMs !== undefined)
      this.h.exitsIn(uid, this.h.profile.startDelayMs + b.exitAfterMs + 1);
    return b;
  }

  /** Every image "pulls" instantly (a hollow node has no registry and needs none). */
  override async pullImage(image: string): Promise<string> {
    const name = normalizeImageName(image);
    let img = this.images.get(name);
    if (!img) {
      img = {
        id: `sha256:${(this.images.size + 1).toString(16).padStart(64, "f")}`,
        repoTags: [name],
        repoDigests: [],
        size: 1 << 20,
        username: "",
        pinned: false,
      };
      this.images.set(name, img);
    }
    return img.id;
  }

  override async stopContainer(id: string, timeoutSeconds = 0): Promise<void> {
    const ms = Math.min(this.h.profile.stopDelayMs, Math.max(0, timeoutSeconds) * 1000);
    const status = await super.containerStatus(id);
    if (ms > 0 && status?.state === "CONTAINER_RUNNING")
      await new Promise<void>((r) => this.h.clock.after(ms, r));
    await super.stopContainer(id);
  }

  private async withUsage(s: ContainerStats): Promise<ContainerStats> {
    const pod = this.h.podFor(s.labels[labelPodUID] ?? "");
    if (!pod) return s;
    const u = containerUsage(pod, s.metadata.name, this.h.profile);
    const status = await super.containerStatus(s.id);
    const now = this.h.clock.now();
    // Counted from creation so the cumulative counter and a rate taken over the
    // container's whole life (the kubelet's first-sample fallback) agree.
    const runningNs = status?.createdAt ? Math.max(0, now - status.createdAt) * 1e6 : 0;
    return {
      ...s,
      cpu: {
        timestamp: now,
        usageNanoCores: u.cpuNanoCores,
        usageCoreNanoSeconds: Math.round((u.cpuNanoCores * runningNs) / 1e9),
      },
      memory: {
        availableBytes: 0,
        pageFaults: 0,
        majorPageFaults: 0,
        ...s.memory,
        timestamp: now,
        workingSetBytes: u.memoryBytes,
        usageBytes: u.memoryBytes,
        rssBytes: u.memoryBytes,
      },
    };
  }

  override async containerStats(id: string): Promise<ContainerStats | undefined> {
    const s = await super.containerStats(id);
    return s && this.withUsage(s);
  }

  override async listContainerStats(
    filter: { id?: string; podSandboxId?: string } = {},
  ): Promise<ContainerStats[]> {
    return Promise.all((await super.listContainerStats(filter)).map((s) => this.withUsage(s)));
  }

  override async listPodSandboxStats(filter: { id?: string } = {}): Promise<PodSandboxStats[]> {
    const list = await super.listPodSandboxStats(filter);
    return Promise.all(
      list.map(async (p) => ({
        ...p,
        containers: await Promise.all(p.containers.map((s) => this.withUsage(s))),
      })),
    );
  }
}

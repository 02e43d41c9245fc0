/**
 * A ContainerRuntime without processes, for scale tests and unit tests of
 * the kubelet: sandboxes get IPs from a counter, containers "run" until
 * stopped or until their simulated exit. Delays run on the injected clock.
 */
import { realClock, type Clock } from "../../../client/clock.ts";
import type {
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerRuntime,
  ContainerStats,
  ContainerStatus,
  ExecSyncResult,
  Image,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxStats,
  PodSandboxStatus,
  RuntimeCondition,
  RuntimeVersion,
  SandboxFilter,
} from "../runtime.ts";
import { RuntimeError } from "../runtime.ts";
import { PodIndexedMap } from "./simulated-pod-index.ts";

export interface SimulatedBehaviour {
  /** Exit this long after start (undefined: run until stopped). */
  exitAfterMs?: number;
  exitCode?: number;
  /** Fail StartContainer with this message. */
  startError?: string;
}

export interface SimulatedRuntimeOptions {
  clock?: Clock;
  /** Time RunPodSandbox takes. */
  sandboxDelayMs?: number;
  /** Time StartContainer takes. */
  startDelayMs?: number;
  /** Images present (default pause and busybox). */
  images?: string[];
  /** Decides how a container behaves; default: `sh -c "exit N"`, `true`, `false` exit, anything else runs. */
  behaviour?(config: ContainerConfig): SimulatedBehaviour;
  /** First three octets of sandbox IPs (default 10.42.0). */
  ipPrefix?: string;
  /** Exit code of every ExecSync (default 0). */
  execExitCode?(containerId: string, cmd: string[]): number;
}

interface SimContainer extends ContainerStatus {
  podSandboxId: string;
  /** How it behaves once started (decided at creation). */
  behaviour: SimulatedBehaviour;
}

/** Default behaviour from the command line. */
export function defaultBehaviour(config: ContainerConfig): SimulatedBehaviour {
  const argv = [...config.command, ...config.args];
  const line = argv.join(" ");
  const exit = /\bexit (\d+)\s*$/.exec(line);
  if (exit) return { exitAfterMs: 0, exitCode: Number(exit[1]) };
  if (argv[0] === "true") return { exitAfterMs: 0, exitCode: 0 };
  if (argv[0] === "false") return { exitAfterMs: 0, exitCode: 1 };
  return {};
}

/** The fully qualified name of an image reference (docker.io/library/..., :latest). */
export const normalizeImageName = (image: string): string => {
  let name = image;
  if (!name.includes("/")) name = `docker.io/library/${name}`;
  else if (!name.split("/")[0].includes(".")) name = `docker.io/${name}`;
  if (!/:[^/]+$/.test(name) && !name.includes("@")) name += ":latest";
  return name;
};

export class SimulatedRuntime implements ContainerRuntime {
  private readonly clock: Clock;
  private sandboxes = new PodIndexedMap<PodSandboxStatus>();
  private containers = new PodIndexedMap<SimContainer>();
  /** Images present, by normalized name (subclasses may add). */
  protected readonly images = new Map<string, Image>();
  private seq = 0;
  private ipSeq = 1;

  constructor(private readonly opts: SimulatedRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
    for (const i of opts.images ?? [
      "registry.k8s.io/pause:3.10",
      "docker.io/library/busybox:latest",
    ]) {
      const name = normalizeImageName(i);
      this.images.set(name, {
        id: `sha256:${(++this.seq).toString(16).padStart(64, "0")}`,
        repoTags: [name],
        repoDigests: [],
        size: 1 << 20,
        username: "",
        pinned: false,
      });
    }
  }

  private id(): string {
    return (++this.seq).toString(16).padStart(64, "0");
  }

  private delay(ms: number | undefined): Promise<void> {
    if (!ms) return Promise.resolve();
    return new Promise((r) => this.clock.after(ms, r));
  }

  close(): void {}

  async version(): Promise<RuntimeVersion> {
    return {
      version: "0.1.0",
      runtimeName: "simulated",
      runtimeVersion: "1.0.0",
      runtimeApiVersion: "v1",
    };
  }

  async status(): Promise<RuntimeCondition[]> {
    return [
      { type: "RuntimeReady", status: true, reason: "", message: "" },
      { type: "NetworkReady", status: true, reason: "", message: "" },
    ];
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    await this.delay(this.opts.sandboxDelayMs);
    const id = this.id();
    const n = this.ipSeq++;
    const ip = `${this.opts.ipPrefix ?? "10.42.0"}.${(n % 253) + 1}`;
    this.sandboxes.set(id, {
      id,
      metadata: { ...config.metadata },
      state: "SANDBOX_READY",
      createdAt: this.clock.now(),
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      ips: config.linux.namespaceOptions.network === "NODE" ? [] : [ip],
    });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    for (const c of this.containers.values()) if (c.podSandboxId === id) this.exit(c, 137, "Error");
    s.state = "SANDBOX_NOTREADY";
  }

  async removePodSandbox(id: string): Promise<void> {
    for (const [cid, c] of this.containers.entries())
      if (c.podSandboxId === id) this.containers.delete(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const s = this.sandboxes.get(id);
    return s ? { ...s, ips: [...s.ips] } : undefined;
  }

  async listPodSandbox(filter: SandboxFilter = {}): Promise<PodSandbox[]> {
    return [...this.sandboxes.candidates(filter)]
      .filter(
        (s) => (!filter.id || s.id === filter.id) && (!filter.state || s.state === filter.state),
      )
      .filter((s) =>
        Object.entries(filter.labelSelector ?? {}).every(([k, v]) => s.labels[k] === v),
      )
      .map(({ ips: _ips, ...s }) => ({ ...s }));
  }

  async createContainer(
    sandboxId: string,
    config: ContainerConfig,
    sandbox: PodSandboxConfig,
  ): Promise<string> {
    if (!this.sandboxes.has(sandboxId))
      throw new RuntimeError("CreateContainer", "NOT_FOUND", `sandbox ${sandboxId} not found`);
    const image = this.images.get(normalizeImageName(config.image));
    if (!image)
      throw new RuntimeError("CreateContainer", "NOT_FOUND", `image ${config.image} not found`);
    const id = this.id();
    this.containers.set(id, {
      id,
      podSandboxId: sandboxId,
      metadata: { ...config.metadata },
      state: "CONTAINER_CREATED",
      createdAt: this.clock.now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      image: config.image,
      imageRef: image.id,
      reason: "",
      message: "",
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      behaviour: (this.opts.behaviour ?? defaultBehaviour)(config),
      logPath: `${sandbox.logDirectory}/${config.logPath}`,
    });
    return id;
  }

  private exit(c: SimContainer, code: number, reason: string): void {
    if (c.state === "CONTAINER_EXITED") return;
    c.state = "CONTAINER_EXITED";
    c.exitCode = code;
    c.reason = reason;
    c.finishedAt = this.clock.now();
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError("StartContainer", "NOT_FOUND", `container ${id} not found`);
    await this.delay(this.opts.startDelayMs);
    const b = c.behaviour;
    c.startedAt = this.clock.now();
    if (b.startError) {
      c.state = "CONTAINER_EXITED";
      c.exitCode = 128;
      c.reason = "StartError";
      c.message = b.startError;
      c.finishedAt = c.startedAt;
      throw new RuntimeError("StartContainer", "UNKNOWN", b.startError);
    }
    c.state = "CONTAINER_RUNNING";
    if (b.exitAfterMs !== undefined) {
      const code = b.exitCode ?? 0;
      this.clock.after(b.exitAfterMs, () => this.exit(c, code, code === 0 ? "Completed" : "Error"));
    }
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c && c.state !== "CONTAINER_EXITED") this.exit(c, 137, "Error");
  }

  async removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
  }

  /** Simulated containers write no log; only a running container can reopen one. */
  async reopenContainerLog(id: string): Promise<void> {
    if (this.containers.get(id)?.state !== "CONTAINER_RUNNING")
      throw new RuntimeError("ReopenContainerLog", "SIMULATED", `container ${id} is not running`);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    return [...this.containers.candidates(filter)]
      .filter(
        (c) =>
          (!filter.id || c.id === filter.id) &&
          (!filter.podSandboxId || c.podSandboxId === filter.podSandboxId),
      )
      .filter((c) => !filter.state || c.state === filter.state)
      .filter((c) =>
        Object.entries(filter.labelSelector ?? {}).every(([k, v]) => c.labels[k] === v),
      )
      .map((c) => ({
        id: c.id,
        podSandboxId: c.podSandboxId,
        metadata: { ...c.metadata },
        image: c.image,
        imageRef: c.imageRef,
        state: c.state,
        createdAt: c.createdAt,
        labels: { ...c.labels },
        annotations: { ...c.annotations },
      }));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    if (!c) return undefined;
    const { podSandboxId: _s, behaviour: _b, ...status } = c;
    return { ...status, metadata: { ...c.metadata } };
  }

  async execSync(id: string, cmd: string[]): Promise<ExecSyncResult> {
    const c = this.containers.get(id);
    if (!c || c.state !== "CONTAINER_RUNNING")
      throw new RuntimeError("ExecSync", "NOT_FOUND", `container ${id} is not running`);
    return {
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
      exitCode: this.opts.execExitCode?.(id, cmd) ?? 0,
    };
  }

  async exec(): Promise<string> {
    throw new RuntimeError(
      "Exec",
      "UNIMPLEMENTED",
      "the simulated runtime has no streaming server",
    );
  }

  async attach(): Promise<string> {
    throw new RuntimeError(
      "Attach",
      "UNIMPLEMENTED",
      "the simulated runtime has no streaming server",
    );
  }

  async portForward(): Promise<string> {
    throw new RuntimeError(
      "PortForward",
      "UNIMPLEMENTED",
      "the simulated runtime has no streaming server",
    );
  }

  private stats(c: SimContainer): ContainerStats {
    const now = this.clock.now();
    return {
      id: c.id,
      metadata: { ...c.metadata },
      labels: { ...c.labels },
      annotations: {},
      cpu: { timestamp: now, usageCoreNanoSeconds: 0, usageNanoCores: 0 },
      memory: {
        timestamp: now,
        workingSetBytes: 1 << 20,
        availableBytes: 0,
        usageBytes: 1 << 20,
        rssBytes: 1 << 20,
        pageFaults: 0,
        majorPageFaults: 0,
      },
    };
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(id);
    return c ? this.stats(c) : undefined;
  }

  async listContainerStats(
    filter: { id?: string; podSandboxId?: string } = {},
  ): Promise<ContainerStats[]> {
    return [...this.containers.values()]
      .filter((c) => c.state === "CONTAINER_RUNNING")
      .filter(
        (c) =>
          (!filter.id || c.id === filter.id) &&
          (!filter.podSandboxId || c.podSandboxId === filter.podSandboxId),
      )
      .map((c) => this.stats(c));
  }

  async listPodSandboxStats(filter: { id?: string } = {}): Promise<PodSandboxStats[]> {
    return [...this.sandboxes.values()]
      .filter((s) => s.state === "SANDBOX_READY" && (!filter.id || s.id === filter.id))
      .map((s) => ({
        id: s.id,
        metadata: { ...s.metadata },
        labels: { ...s.labels },
        annotations: { ...s.annotations },
        containers: [...this.containers.values()]
          .filter((c) => c.podSandboxId === s.id && c.state === "CONTAINER_RUNNING")
          .map((c) => this.stats(c)),
      }));
  }

  async listImages(): Promise<Image[]> {
    return [...this.images.values()].map((i) => ({ ...i }));
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    const i = this.images.get(normalizeImageName(image));
    return i ? { ...i } : undefined;
  }

  async pullImage(image: string): Promise<string> {
    throw new RuntimeError(
      "PullImage",
      "UNAVAILABLE",
      `cannot pull ${image}: the simulated runtime has no registry`,
    );
  }

  /** Removes an image by name or id (as CRI RemoveImage). */
  async removeImage(image: string): Promise<void> {
    this.images.delete(normalizeImageName(image));
    for (const [name, i] of this.images) if (i.id === image) this.images.delete(name);
  }

  async imageFsInfo() {
    return [
      { mountpoint: "/simulated", usedBytes: this.images.size << 20, inodesUsed: this.images.size },
    ];
  }
}

/**
 * ContainerRuntime over CRI gRPC (containerd's CRI plugin). Maps the
 * kubelet's camelCase types to runtime.v1 messages and back; times from the
 * runtime (ns) become ms. NOT_FOUND on stop/remove is success (idempotent).
 */
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
  StreamRequest,
} from "../runtime.ts";
import { openCriClient, type CriClient } from "./cri-client.ts";
import {
  containerConfigToCri,
  containerStatsFrom,
  cpuFrom,
  imageFrom,
  memoryFrom,
  notFound,
  nsToMs,
  num,
  sandboxConfigToCri,
  sandboxFrom,
  wrapped,
} from "./cri-convert.ts";

/** The CRI implementation of ContainerRuntime. */
export class CriRuntime implements ContainerRuntime {
  private readonly cri: CriClient;

  constructor(
    readonly endpoint: string,
    opts: { timeoutMs?: number } = {},
  ) {
    this.cri = openCriClient(endpoint, opts);
  }

  close(): void {
    this.cri.close();
  }

  private rt(method: string, req: Record<string, unknown> = {}, timeoutMs?: number): Promise<any> {
    return this.cri.runtime(method)(req, timeoutMs);
  }

  private img(method: string, req: Record<string, unknown> = {}, timeoutMs?: number): Promise<any> {
    return this.cri.image(method)(req, timeoutMs);
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.rt("Version", { version: "v1" }, 10_000);
    return {
      version: v.version,
      runtimeName: v.runtime_name,
      runtimeVersion: v.runtime_version,
      runtimeApiVersion: v.runtime_api_version,
    };
  }

  async status(): Promise<RuntimeCondition[]> {
    const s = await this.rt("Status", {}, 10_000);
    return (s.status?.conditions ?? []).map((c: any) => ({ ...c }));
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ""): Promise<string> {
    const res = await this.rt("RunPodSandbox", {
      config: sandboxConfigToCri(config),
      runtime_handler: runtimeHandler,
    });
    return res.pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.rt("StopPodSandbox", { pod_sandbox_id: id }).catch((e) => {
      if (!notFound(e)) throw e;
    });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.rt("RemovePodSandbox", { pod_sandbox_id: id }).catch((e) => {
      if (!notFound(e)) throw e;
    });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    try {
      const res = await this.rt("PodSandboxStatus", { pod_sandbox_id: id });
      const s = res.status;
      const ips = s.network?.ip
        ? [s.network.ip, ...(s.network.additional_ips ?? []).map((p: any) => p.ip)]
        : [];
      return { ...sandboxFrom(s), ips };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async listPodSandbox(filter: SandboxFilter = {}): Promise<PodSandbox[]> {
    const res = await this.rt("ListPodSandbox", {
      filter: {
        id: filter.id ?? "",
        state: filter.state ? { state: filter.state } : undefined,
        label_selector: filter.labelSelector ?? {},
      },
    });
    return (res.items ?? []).map(sandboxFrom);
  }

  async createContainer(
    sandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    const res = await this.rt("CreateContainer", {
      pod_sandbox_id: sandboxId,
      config: containerConfigToCri(config),
      sandbox_config: sandboxConfigToCri(sandboxConfig),
    });
    return res.container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.rt("StartContainer", { container_id: id });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.rt(
      "StopContainer",
      { container_id: id, timeout: String(Math.max(0, Math.floor(timeoutSeconds))) },
      (timeoutSeconds + 60) * 1000,
    ).catch((e) => {
      if (!notFound(e)) throw e;
    });
  }

  async removeContainer(id: string): Promise<void> {
    await this.rt("RemoveContainer", { container_id: id }).catch((e) => {
      if (!notFound(e)) throw e;
    });
  }

  async reopenContainerLog(id: string): Promise<void> {
    await this.rt("ReopenContainerLog", { container_id: id });
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const res = await this.rt("ListContainers", {
      filter: {
        id: filter.id ?? "",
        pod_sandbox_id: filter.podSandboxId ?? "",
        state: filter.state ? { state: filter.state } : undefined,
        label_selector: filter.labelSelector ?? {},
      },
    });
    return (res.containers ?? []).map((c: any) => ({
      id: c.id,
      podSandboxId: c.pod_sandbox_id,
      metadata: { name: c.metadata?.name ?? "", attempt: num(c.metadata?.attempt) },
      image: c.image?.image ?? "",
      imageRef: c.image_ref ?? "",
      state: c.state,
      createdAt: nsToMs(c.created_at),
      labels: c.labels ?? {},
      annotations: c.annotations ?? {},
    }));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    try {
      const { status: s } = await this.rt("ContainerStatus", { container_id: id });
      return {
        id: s.id,
        metadata: { name: s.metadata?.name ?? "", attempt: num(s.metadata?.attempt) },
        state: s.state,
        createdAt: nsToMs(s.created_at),
        startedAt: nsToMs(s.started_at),
        finishedAt: nsToMs(s.finished_at),
        exitCode: num(s.exit_code),
        image: s.image?.image ?? "",
        imageRef: s.image_ref ?? "",
        reason: s.reason ?? "",
        message: s.message ?? "",
        labels: s.labels ?? {},
        annotations: s.annotations ?? {},
        logPath: s.log_path ?? "",
      };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    const res = await this.rt(
      "ExecSync",
      { container_id: id, cmd, timeout: String(timeoutSeconds) },
      timeoutSeconds > 0 ? (timeoutSeconds + 10) * 1000 : 24 * 3600_000,
    );
    return {
      stdout: Buffer.from(res.stdout ?? []),
      stderr: Buffer.from(res.stderr ?? []),
      exitCode: num(res.exit_code),
    };
  }

  async exec(req: StreamRequest & { cmd: string[] }): Promise<string> {
    const res = await this.rt("Exec", {
      container_id: req.containerId,
      cmd: req.cmd,
      tty: req.tty,
      stdin: req.stdin,
      stdout: req.stdout,
      stderr: req.stderr,
    });
    return res.url;
  }

  async attach(req: StreamRequest): Promise<string> {
    const res = await this.rt("Attach", {
      container_id: req.containerId,
      tty: req.tty,
      stdin: req.stdin,
      stdout: req.stdout,
      stderr: req.stderr,
    });
    return res.url;
  }

  async portForward(sandboxId: string, ports: number[]): Promise<string> {
    const res = await this.rt("PortForward", { pod_sandbox_id: sandboxId, port: ports });
    return res.url;
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    try {
      const res = await this.rt("ContainerStats", { container_id: id });
      return res.stats ? containerStatsFrom(res.stats) : undefined;
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async listContainerStats(
    filter: { id?: string; podSandboxId?: string; labelSelector?: Record<string, string> } = {},
  ): Promise<ContainerStats[]> {
    const res = await this.rt("ListContainerStats", {
      filter: {
        id: filter.id ?? "",
        pod_sandbox_id: filter.podSandboxId ?? "",
        label_selector: filter.labelSelector ?? {},
      },
    });
    return (res.stats ?? []).map(containerStatsFrom);
  }

  async listPodSandboxStats(
    filter: { id?: string; labelSelector?: Record<string, string> } = {},
  ): Promise<PodSandboxStats[]> {
    const res = await this.rt("ListPodSandboxStats", {
      filter: { id: filter.id ?? "", label_selector: filter.labelSelector ?? {} },
    });
    return (res.stats ?? []).map((s: any) => ({
      id: s.attributes?.id ?? "",
      metadata: { ...s.attributes?.metadata, attempt: num(s.attributes?.metadata?.attempt) },
      labels: s.attributes?.labels ?? {},
      annotations: s.attributes?.annotations ?? {},
      cpu: cpuFrom(s.linux?.cpu),
      memory: memoryFrom(s.linux?.memory),
      network: s.linux?.network
        ? {
            timestamp: nsToMs(s.linux.network.timestamp),
            interfaces: [s.linux.network.default_interface, ...(s.linux.network.interfaces ?? [])]
              .filter(Boolean)
              .map((i: any) => ({
                name: i.name,
                rxBytes: wrapped(i.rx_bytes),
                rxErrors: wrapped(i.rx_errors),
                txBytes: wrapped(i.tx_bytes),
                txErrors: wrapped(i.tx_errors),
              })),
          }
        : undefined,
      processCount: s.linux?.process ? wrapped(s.linux.process.process_count) : undefined,
      containers: (s.linux?.containers ?? []).map(containerStatsFrom),
    }));
  }

  async listImages(): Promise<Image[]> {
    const res = await this.img("ListImages", {});
    return (res.images ?? []).map(imageFrom);
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    const res = await this.img("ImageStatus", { image: { image } });
    return res.image ? imageFrom(res.image) : undefined;
  }

  async pullImage(image: string): Promise<string> {
    const res = await this.img("PullImage", { image: { image } }, 30 * 60_000);
    return res.image_ref;
  }

  async removeImage(image: string): Promise<void> {
    await this.img("RemoveImage", { image: { image } }).catch((e) => {
      if (!notFound(e)) throw e;
    });
  }

  async imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }[]> {
    const res = await this.img("ImageFsInfo", {});
    return (res.image_filesystems ?? []).map((f: any) => ({
      mountpoint: f.fs_id?.mountpoint ?? "",
      usedBytes: wrapped(f.used_bytes),
      inodesUsed: wrapped(f.inodes_used),
    }));
  }
}

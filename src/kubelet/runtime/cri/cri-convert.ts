/**
 * Conversions between the kubelet's runtime types and runtime.v1 messages
 * as @grpc/proto-loader presents them (snake_case, int64 as strings).
 */
import type {
  ContainerConfig,
  ContainerStats,
  CpuUsage,
  Image,
  MemoryUsage,
  PodSandbox,
  PodSandboxConfig,
} from "../runtime.ts";
import { RuntimeError } from "../runtime.ts";

export const nsToMs = (v: unknown): number => (v ? Math.floor(Number(v) / 1e6) : 0);
export const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));
export const wrapped = (v: { value?: unknown } | null | undefined): number => num(v?.value);

export function notFound(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === "NOT_FOUND";
}

/** runtime.v1.PodSandboxConfig from ours. */
export function sandboxConfigToCri(c: PodSandboxConfig): Record<string, unknown> {
  return {
    metadata: c.metadata,
    hostname: c.hostname,
    log_directory: c.logDirectory,
    dns_config: c.dnsConfig,
    port_mappings: c.portMappings.map((p) => ({
      protocol: p.protocol,
      container_port: p.containerPort,
      host_port: p.hostPort,
      host_ip: p.hostIp ?? "",
    })),
    labels: c.labels,
    annotations: c.annotations,
    linux: {
      cgroup_parent: c.linux.cgroupParent,
      sysctls: c.linux.sysctls ?? {},
      security_context: {
        namespace_options: nsOptions(c.linux.namespaceOptions),
        privileged: c.linux.privileged ?? false,
        run_as_user: c.linux.runAsUser === undefined ? undefined : { value: c.linux.runAsUser },
        run_as_group: c.linux.runAsGroup === undefined ? undefined : { value: c.linux.runAsGroup },
        supplemental_groups: c.linux.supplementalGroups ?? [],
      },
    },
  };
}

function nsOptions(o: ContainerConfig["linux"]["securityContext"]["namespaceOptions"]) {
  return { network: o.network, pid: o.pid, ipc: o.ipc, target_id: o.targetId ?? "" };
}

/** runtime.v1.ContainerConfig from ours. */
export function containerConfigToCri(c: ContainerConfig): Record<string, unknown> {
  const r = c.linux.resources;
  const s = c.linux.securityContext;
  return {
    metadata: c.metadata,
    image: { image: c.image },
    command: c.command,
    args: c.args,
    working_dir: c.workingDir,
    envs: c.envs,
    mounts: c.mounts.map((m) => ({
      container_path: m.containerPath,
      host_path: m.hostPath,
      readonly: m.readonly,
      propagation: m.propagation ?? "PROPAGATION_PRIVATE",
    })),
    labels: c.labels,
    annotations: c.annotations,
    log_path: c.logPath,
    stdin: c.stdin,
    stdin_once: c.stdinOnce,
    tty: c.tty,
    linux: {
      resources: {
        cpu_period: String(r.cpuPeriod),
        cpu_quota: String(r.cpuQuota),
        cpu_shares: String(r.cpuShares),
        memory_limit_in_bytes: String(r.memoryLimitInBytes),
        oom_score_adj: String(Math.max(0, r.oomScoreAdj)),
      },
      security_context: {
        capabilities: s.capabilities
          ? { add_capabilities: s.capabilities.add, drop_capabilities: s.capabilities.drop }
          : undefined,
        privileged: s.privileged ?? false,
        namespace_options: nsOptions(s.namespaceOptions),
        run_as_user: s.runAsUser === undefined ? undefined : { value: String(s.runAsUser) },
        run_as_group: s.runAsGroup === undefined ? undefined : { value: String(s.runAsGroup) },
        run_as_username: s.runAsUsername ?? "",
        readonly_rootfs: s.readonlyRootfs ?? false,
        supplemental_groups: (s.supplementalGroups ?? []).map(String),
        no_new_privs: s.noNewPrivs ?? false,
      },
    },
  };
}

export function cpuFrom(c: any): CpuUsage | undefined {
  if (!c) return undefined;
  return {
    timestamp: nsToMs(c.timestamp),
    usageCoreNanoSeconds: wrapped(c.usage_core_nano_seconds),
    usageNanoCores: wrapped(c.usage_nano_cores),
  };
}

export function memoryFrom(m: any): MemoryUsage | undefined {
  if (!m) return undefined;
  return {
    timestamp: nsToMs(m.timestamp),
    workingSetBytes: wrapped(m.working_set_bytes),
    availableBytes: wrapped(m.available_bytes),
    usageBytes: wrapped(m.usage_bytes),
    rssBytes: wrapped(m.rss_bytes),
    pageFaults: wrapped(m.page_faults),
    majorPageFaults: wrapped(m.major_page_faults),
  };
}

export function containerStatsFrom(s: any): ContainerStats {
  return {
    id: s.attributes?.id ?? "",
    metadata: {
      name: s.attributes?.metadata?.name ?? "",
      attempt: num(s.attributes?.metadata?.attempt),
    },
    labels: s.attributes?.labels ?? {},
    annotations: s.attributes?.annotations ?? {},
    cpu: cpuFrom(s.cpu),
    memory: memoryFrom(s.memory),
    writableLayer: s.writable_layer
      ? {
          usedBytes: wrapped(s.writable_layer.used_bytes),
          inodesUsed: wrapped(s.writable_layer.inodes_used),
        }
      : undefined,
  };
}

export function imageFrom(i: any): Image {
  return {
    id: i.id,
    repoTags: i.repo_tags ?? [],
    repoDigests: i.repo_digests ?? [],
    size: num(i.size),
    uid: i.uid ? wrapped(i.uid) : undefined,
    username: i.username ?? "",
    pinned: !!i.pinned,
  };
}

export function sandboxFrom(s: any): PodSandbox {
  return {
    id: s.id,
    metadata: { ...s.metadata, attempt: num(s.metadata?.attempt) },
    state: s.state,
    createdAt: nsToMs(s.created_at),
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
  };
}

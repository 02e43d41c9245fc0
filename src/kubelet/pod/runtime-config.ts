/**
 * CRI sandbox and container configs for a pod, as upstream's
 * kuberuntime generatePodSandboxConfig / generateContainerConfig: the
 * labels the kubelet finds its containers by, log paths
 * `<logsDir>/<ns>_<name>_<uid>/<container>/<attempt>.log`, namespaces,
 * port mappings and linux resources.
 */
import { join } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  ContainerConfig,
  LinuxContainerResources,
  NamespaceOptions,
  PodSandboxConfig,
} from "../runtime/runtime.ts";
import { podDnsConfig, type DnsConfig } from "./dns-config.ts";
import { oomScoreAdj, podCgroupParent, podQOS, quantityValue } from "./qos.ts";

export const labelPodName = "io.kubernetes.pod.name";
export const labelPodNamespace = "io.kubernetes.pod.namespace";
export const labelPodUID = "io.kubernetes.pod.uid";
export const labelContainerName = "io.kubernetes.container.name";
export const labelContainerType = "io.kubernetes.container.type";

const cpuPeriod = 100_000;
const minShares = 2;

export function podLogDir(logsDir: string, pod: Pod): string {
  const m = pod.metadata ?? {};
  return join(logsDir, `${m.namespace}_${m.name}_${m.uid}`);
}

export function namespaceOptions(pod: Pod): NamespaceOptions {
  return {
    network: pod.spec?.hostNetwork ? "NODE" : "POD",
    pid: pod.spec?.hostPID ? "NODE" : pod.spec?.shareProcessNamespace ? "POD" : "CONTAINER",
    ipc: pod.spec?.hostIPC ? "NODE" : "POD",
  };
}

/** The sandbox config for the pod's attempt-th sandbox. */
export function sandboxConfig(
  pod: Pod,
  attempt: number,
  opts: {
    logsDir: string;
    cgroupRoot: string;
    /** kubelet --cluster-dns, --cluster-domain and the host's resolv.conf (see dns-config.ts). */
    dnsServers?: string[];
    clusterDomain?: string;
    hostDns?: DnsConfig;
  },
): PodSandboxConfig {
  const m = pod.metadata ?? {};
  const spec = pod.spec!;
  const ports = spec.containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort)
      .map((p) => ({
        protocol: (p.protocol ?? "TCP") as "TCP" | "UDP" | "SCTP",
        containerPort: p.containerPort,
        hostPort: p.hostPort!,
        hostIp: p.hostIP ?? "",
      })),
  );
  const ns = m.namespace ?? "default";
  let hostname = spec.hostname || (m.name ?? "");
  if (hostname.length > 63) hostname = hostname.slice(0, 63).replace(/[-.]+$/, "");
  const sc = spec.securityContext ?? {};
  return {
    metadata: { name: m.name ?? "", uid: m.uid ?? "", namespace: ns, attempt },
    hostname: spec.hostNetwork ? "" : hostname,
    logDirectory: podLogDir(opts.logsDir, pod),
    dnsConfig: podDnsConfig(pod, {
      clusterDNS: opts.dnsServers,
      clusterDomain: opts.clusterDomain,
      host: opts.hostDns,
    }),
    portMappings: ports,
    labels: {
      ...(m.labels ?? {}),
      [labelPodName]: m.name ?? "",
      [labelPodNamespace]: ns,
      [labelPodUID]: m.uid ?? "",
    },
    annotations: { ...(m.annotations ?? {}) },
    linux: {
      cgroupParent: podCgroupParent(opts.cgroupRoot, podQOS(pod), m.uid ?? ""),
      namespaceOptions: namespaceOptions(pod),
      privileged: spec.containers.some((c) => c.securityContext?.privileged),
      runAsUser: sc.runAsUser,
      runAsGroup: sc.runAsGroup,
      supplementalGroups: sc.supplementalGroups,
      sysctls: Object.fromEntries((sc.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}

/** Upstream's cpu shares, CFS quota and memory limit for a container. */
export function linuxResources(
  pod: Pod,
  c: Container,
  memoryCapacity: number,
): LinuxContainerResources {
  const cpuReq = quantityValue(c.resources?.requests?.cpu as string | undefined, true);
  const cpuLim = quantityValue(c.resources?.limits?.cpu as string | undefined, true);
  const memLim = quantityValue(c.resources?.limits?.memory as string | undefined);
  const memReq = quantityValue(c.resources?.requests?.memory as string | undefined) || memLim;
  const request = cpuReq || cpuLim;
  return {
    cpuPeriod,
    cpuQuota: cpuLim ? Math.max(1000, Math.floor((cpuLim * cpuPeriod) / 1000)) : 0,
    cpuShares: request ? Math.max(minShares, Math.floor((request * 1024) / 1000)) : minShares,
    memoryLimitInBytes: memLim,
    oomScoreAdj: oomScoreAdj(podQOS(pod), memReq, memoryCapacity),
  };
}

/** The container config for the container's attempt-th instance. */
export function containerConfig(
  pod: Pod,
  c: Container,
  attempt: number,
  parts: {
    image: string;
    command: string[];
    args: string[];
    envs: { key: string; value: string }[];
    mounts: ContainerConfig["mounts"];
    memoryCapacity: number;
    isInit: boolean;
  },
): ContainerConfig {
  const m = pod.metadata ?? {};
  const sc = c.securityContext ?? {};
  const psc = pod.spec?.securityContext ?? {};
  return {
    metadata: { name: c.name, attempt },
    image: parts.image,
    command: parts.command,
    args: parts.args,
    workingDir: c.workingDir ?? "",
    envs: parts.envs,
    mounts: parts.mounts,
    labels: {
      [labelPodName]: m.name ?? "",
      [labelPodNamespace]: m.namespace ?? "default",
      [labelPodUID]: m.uid ?? "",
      [labelContainerName]: c.name,
      [labelContainerType]: parts.isInit ? "init" : "regular",
    },
    annotations: {
      "io.kubernetes.container.restartCount": String(attempt),
      "io.kubernetes.container.terminationMessagePath":
        c.terminationMessagePath ?? "/dev/termination-log",
      "io.kubernetes.pod.terminationGracePeriod": String(
        pod.spec?.terminationGracePeriodSeconds ?? 30,
      ),
    },
    logPath: `${c.name}/${attempt}.log`,
    stdin: !!c.stdin,
    stdinOnce: !!c.stdinOnce,
    tty: !!c.tty,
    linux: {
      resources: linuxResources(pod, c, parts.memoryCapacity),
      securityContext: {
        privileged: sc.privileged ?? false,
        runAsUser: sc.runAsUser ?? psc.runAsUser,
        runAsGroup: sc.runAsGroup ?? psc.runAsGroup,
        readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
        supplementalGroups: psc.supplementalGroups,
        capabilities: sc.capabilities
          ? { add: sc.capabilities.add ?? [], drop: sc.capabilities.drop ?? [] }
          : undefined,
        noNewPrivs: sc.allowPrivilegeEscalation === false,
        namespaceOptions: namespaceOptions(pod),
      },
    },
  };
}

/**
 * The kubelet's view of a container runtime: the CRI RuntimeService and
 * ImageService (k8s.io/cri-api runtime.v1) as TypeScript types, with
 * camelCase names, times in milliseconds and byte counts as numbers.
 *
 * Two implementations: `cri/cri-runtime.ts` (gRPC to containerd) and
 * `simulated/simulated-runtime.ts` (no processes, for scale tests).
 * Every method may throw a RuntimeError; "not found" is reported by
 * `undefined` results from the *Status methods and is ignored by the
 * idempotent stop/remove methods.
 */

export type Protocol = "TCP" | "UDP" | "SCTP";

/** CRI NamespaceMode: POD shares the sandbox's namespace, NODE the host's. */
export type NamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";

export interface NamespaceOptions {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  targetId?: string;
}

export interface PortMapping {
  protocol: Protocol;
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

/** CRI PodSandboxConfig. */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  /** Host directory holding the pod's container logs (/var/log/pods/<ns>_<name>_<uid>). */
  logDirectory: string;
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux: {
    cgroupParent: string;
    namespaceOptions: NamespaceOptions;
    privileged?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    supplementalGroups?: number[];
    sysctls?: Record<string, string>;
  };
}

/** CRI LinuxContainerResources (0 means "not specified"). */
export interface LinuxContainerResources {
  cpuPeriod: number;
  cpuQuota: number;
  cpuShares: number;
  memoryLimitInBytes: number;
  /** Must be >= 0 on machines without CAP_SYS_RESOURCE (see RUNTIME-NOTES). */
  oomScoreAdj: number;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation?:
    "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

export interface ContainerSecurityContext {
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  capabilities?: { add: string[]; drop: string[] };
  noNewPrivs?: boolean;
  namespaceOptions: NamespaceOptions;
}

/** CRI ContainerConfig. */
export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: string;
  command: string[];
  args: string[];
  workingDir: string;
  envs: { key: string; value: string }[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory: `<container>/<attempt>.log`. */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  linux: { resources: LinuxContainerResources; securityContext: ContainerSecurityContext };
}

export type SandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  /** Milliseconds since the epoch. */
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatus extends PodSandbox {
  /** Pod IPs, primary first; empty for host-network pods. */
  ips: string[];
}

export type ContainerState =
  "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image: string;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** CRI ContainerStatus; times in ms since the epoch (0: not yet). */
export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: string;
  imageRef: string;
  /** "OOMKilled" for a cgroup OOM kill; "Completed"/"Error" otherwise when exited. */
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Absolute host path of the CRI-format log file (for `kubectl logs`). */
  logPath: string;
}

export interface ContainerFilter {
  id?: string;
  podSandboxId?: string;
  state?: ContainerState;
  labelSelector?: Record<string, string>;
}

export interface SandboxFilter {
  id?: string;
  state?: SandboxState;
  labelSelector?: Record<string, string>;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** What a streaming call (Exec/Attach) asks for; the answer is a URL on the runtime's streaming server. */
export interface StreamRequest {
  containerId: string;
  cmd?: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export interface CpuUsage {
  timestamp: number;
  /** Cumulative CPU time in ns; compute rates from deltas (usageNanoCores lags 10 s in containerd). */
  usageCoreNanoSeconds: number;
  usageNanoCores: number;
}

export interface MemoryUsage {
  timestamp: number;
  workingSetBytes: number;
  availableBytes: number;
  usageBytes: number;
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
}

export interface ContainerStats {
  id: string;
  metadata: { name: string; attempt: number };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  cpu?: CpuUsage;
  memory?: MemoryUsage;
  writableLayer?: { usedBytes: number; inodesUsed: number };
}

export interface PodSandboxStats {
  id: string;
  metadata: PodSandboxMetadata;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  cpu?: CpuUsage;
  memory?: MemoryUsage;
  network?: {
    timestamp: number;
    interfaces: {
      name: string;
      rxBytes: number;
      rxErrors: number;
      txBytes: number;
      txErrors: number;
    }[];
  };
  processCount?: number;
  containers: ContainerStats[];
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: number;
  username: string;
  pinned: boolean;
}

export interface RuntimeVersion {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** A failed runtime call; `code` is the gRPC status code name (e.g. "NOT_FOUND") or "SIMULATED". */
export class RuntimeError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = "RuntimeError";
  }
}

/** The container runtime as the kubelet (and its HTTPS server) uses it. */
export interface ContainerRuntime {
  /** "containerd" / "simulated", and versions. */
  version(): Promise<RuntimeVersion>;
  /** RuntimeReady and NetworkReady conditions. */
  status(): Promise<RuntimeCondition[]>;

  /** Creates and starts a sandbox; resolves to its id once it is ready (pod network set up). */
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Idempotent: stops the sandbox's processes and releases its network. */
  stopPodSandbox(id: string): Promise<void>;
  /** Idempotent: removes the sandbox and its containers. */
  removePodSandbox(id: string): Promise<void>;
  /** undefined when the sandbox does not exist. */
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  listPodSandbox(filter?: SandboxFilter): Promise<PodSandbox[]>;

  createContainer(
    sandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Idempotent: SIGTERM, then SIGKILL after timeoutSeconds (0: kill now). */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Idempotent. */
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /** Makes the runtime reopen the container's log file (after the kubelet renamed it; CRI ReopenContainerLog). */
  reopenContainerLog?(id: string): Promise<void>;
  /** undefined when the container does not exist. */
  containerStatus(id: string): Promise<ContainerStatus | undefined>;

  /** Runs cmd in the container and waits (timeoutSeconds 0: no limit). */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult>;
  /** A URL on the runtime's streaming server serving this exec (CRI Exec). */
  exec(req: StreamRequest & { cmd: string[] }): Promise<string>;
  /** A URL on the runtime's streaming server attaching to the container (CRI Attach). */
  attach(req: StreamRequest): Promise<string>;
  /** A URL on the runtime's streaming server forwarding ports of the sandbox (CRI PortForward). */
  portForward(sandboxId: string, ports: number[]): Promise<string>;

  containerStats(id: string): Promise<ContainerStats | undefined>;
  listContainerStats(filter?: {
    id?: string;
    podSandboxId?: string;
    labelSelector?: Record<string, string>;
  }): Promise<ContainerStats[]>;
  listPodSandboxStats(filter?: {
    id?: string;
    labelSelector?: Record<string, string>;
  }): Promise<PodSandboxStats[]>;

  listImages(): Promise<Image[]>;
  /** undefined when the image is not present. */
  imageStatus(image: string): Promise<Image | undefined>;
  /** Pulls an image; resolves to its image ref. The kubelet calls it only when pulls are enabled. */
  pullImage(image: string): Promise<string>;
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }[]>;

  /** Closes connections (does not stop the runtime). */
  close(): void;
}

/** What startKubelet takes: the kubelet's flags and the test hooks. */
import type { Clock } from "../client/clock.ts";
import type { RestClient } from "../client/rest-client.ts";
import type { CertKeyPair } from "../pki/self-signed.ts";
import type { Logger } from "../util/logger.ts";
import type { ContainerGCPolicy } from "./container-gc.ts";
import type { EvictionStats } from "./eviction/eviction-manager.ts";
import type { ImageGCPolicy } from "./images/image-gc-manager.ts";
import type { SimulatedRuntimeOptions } from "./runtime/simulated/simulated-runtime.ts";
import type { ShutdownPolicy } from "./node/node-shutdown.ts";
import type { KubeletUser } from "./server/kubelet-server.ts";

export interface KubeletOptions {
  client: RestClient;
  nodeName: string;
  dataDir: string;
  runtime?: "cri" | "simulated";
  /** Connect to this CRI endpoint instead of starting our own containerd. */
  containerRuntimeEndpoint?: string;
  podCIDR?: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** Allow PullImage (default false: absent images fail with ErrImageNeverPull). */
  imagePull?: boolean;
  podManifestPath?: string;
  /** The node's InternalIP (default 127.0.0.1). */
  hostIP?: string;
  /** Root of the pods' cgroups (default /kubepods). */
  cgroupRoot?: string;
  /** CNI bridge device name (default derived from the node name). */
  bridge?: string;
  /** Build and import pause/busybox into an owned containerd (default true). */
  importImages?: boolean;
  clusterDNS?: string[];
  /** kubelet --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** kubelet --resolv-conf: the host resolver config pods build on (default /etc/resolv.conf; "": none). */
  resolvConf?: string;
  labels?: Record<string, string>;
  /**
   * A hollow node (simulated runtime only): pods' volumes, logs and cgroups
   * are resolved but nothing is written on the host (PodWorkerDeps.hostless).
   */
  hostless?: boolean;
  /** Options for the simulated runtime. */
  simulated?: SimulatedRuntimeOptions;
  /** CrashLoopBackOff bounds (default 10 s doubling to 300 s; tests shorten them). */
  crashLoopBackOff?: { initialMs: number; maxMs: number };
  /** Lease renewal and node status check period (default 10 s). */
  leaseRenewMs?: number;
  /** How often the runtime is relisted (default 1000 ms). */
  relistMs?: number;
  /** containerLogMaxSize in bytes (default 10 MiB). */
  containerLogMaxSize?: number;
  /** containerLogMaxFiles (default 5). */
  containerLogMaxFiles?: number;
  /** How often container logs are checked for rotation (default 10 s). */
  containerLogMonitorMs?: number;
  /** --eviction-hard (default upstream's: memory.available<100Mi,nodefs.available<10%,...; "": none; none for the simulated runtime). */
  evictionHard?: string;
  /** --eviction-soft (default none); each needs --eviction-soft-grace-period. */
  evictionSoft?: string;
  /** --eviction-soft-grace-period ("memory.available=1m30s,..."). */
  evictionSoftGracePeriod?: string;
  /** --eviction-minimum-reclaim ("nodefs.available=500Mi,..."). */
  evictionMinimumReclaim?: string;
  /** --eviction-max-pod-grace-period in seconds (default 0), for soft evictions. */
  evictionMaxPodGracePeriod?: number;
  /** --eviction-pressure-transition-period (default 5 min). */
  evictionPressureTransitionMs?: number;
  /** --image-gc-high-threshold / --image-gc-low-threshold / --image-minimum-gc-age (default 85, 80, 2 min). */
  imageGC?: Partial<ImageGCPolicy>;
  /** Image detection and GC period (default 5 min). */
  imageGCPeriodMs?: number;
  /** --minimum-container-ttl-duration / --maximum-dead-containers-per-container / --maximum-dead-containers (default 0, 1, -1). */
  containerGC?: Partial<ContainerGCPolicy>;
  /** shutdownGracePeriod / shutdownGracePeriodCriticalPods: graceful node shutdown of pods on stop() (default 0: off). */
  shutdown?: Partial<ShutdownPolicy>;
  /** Dead-container GC period (default 1 min). */
  containerGCPeriodMs?: number;
  /** Eviction monitoring period (default 10 s). */
  evictionMonitorMs?: number;
  /** Replaces the node's observed memory/disk stats (tests inject pressure). */
  evictionStats?(): Promise<EvictionStats>;
  /**
   * Events the recorder sends per involved object before its spam filter
   * drops them (default client-go's 25, then one per 5 minutes). Tests that
   * hold pressure across many eviction passes raise it: every pass under
   * pressure sends an EvictionThresholdMet event about the Node.
   */
  eventSpamBurst?: number;
  /** HTTPS port of the kubelet server (default 10250; 0 picks a free port, published in the Node). */
  port?: number;
  /** Serving certificate; default: made under the data dir, signed by servingCA when given. */
  tls?: CertKeyPair;
  /** The cluster CA that signs the serving certificate when `tls` is absent. */
  servingCA?: CertKeyPair;
  /** Client certificates signed by this CA are required (the API server's kubelet client). */
  clientCaPem?: string;
  /** Authenticates bearer tokens (default: TokenReview when clientCaPem is set). */
  authenticateToken?(token: string): Promise<KubeletUser | undefined>;
  /** Authorizes a caller's use of a node subresource (default: SubjectAccessReview when clientCaPem is set, else allow). */
  authorize?(user: KubeletUser, verb: string, subresource: string): Promise<boolean>;
  clock?: Clock;
  log?: Logger;
}

/** What a PodWorker needs from the kubelet: the runtime, shared managers, node facts and callbacks. */
import type { Pod, PodStatus, Service } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { ImagePuller } from "../images/image-puller.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import type { Backoff } from "./backoff.ts";
import type { DnsConfig } from "./dns-config.ts";
import type { ObjectSource, PodRuntimeFacts } from "./env.ts";
import type { TokenSource } from "./volumes.ts";

export interface PodWorkerDeps {
  runtime: ContainerRuntime;
  runtimeName: string;
  clock: Clock;
  log: Logger;
  images: ImagePuller;
  crashBackoff: Backoff;
  source: ObjectSource;
  tokens?: TokenSource;
  rootCA?: string;
  hostIP: string;
  logsDir: string;
  podsDir: string;
  cgroupRoot: string;
  memoryCapacity: number;
  allocatable: PodRuntimeFacts["allocatable"];
  dnsServers?: string[];
  /** kubelet --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** The host's resolv.conf, parsed (kubelet --resolv-conf). */
  hostDns?: DnsConfig;
  /** Services of all namespaces (service environment variables). */
  services?(): Service[];
  event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
  /** Hands the pod's status to the status manager. */
  setStatus(pod: Pod, status: PodStatus): void;
  /** The pod was deleted in the API and is now stopped: write final status and remove it. */
  finalize(pod: Pod, status: PodStatus): Promise<void>;
  /** The worker has nothing left to do (pod gone and cleaned up). */
  done(uid: string): void;
  /**
   * Simulated (hollow) nodes: the pod's volumes are resolved as usual but no
   * pod, volume or log directory is made or removed and no cgroup is looked
   * for; the runtime alone holds the pod. Default false.
   */
  hostless?: boolean;
}

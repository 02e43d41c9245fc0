/**
 * The kubelet's node-pressure machinery, put together: the image garbage
 * collector and the eviction manager (which, for disk pressure, removes
 * dead containers and then unused images before evicting any pod), observing the real node unless a test
 * injects stats. Both run on the kubelet's clock; stop() ends them.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import {
  ImageGCManager,
  type ImageGCPolicy,
  defaultImageGCPolicy,
} from "../images/image-gc-manager.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import type { StatsProvider } from "../server/stats-provider.ts";
import { EvictionManager, type EvictionStats, type NodePressure } from "./eviction-manager.ts";
import { nodeEvictionStats } from "./eviction-stats.ts";
import { parseThresholdConfig, type EvictionFlags } from "./thresholds.ts";

export interface NodePressureOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  stats: StatsProvider;
  memoryCapacity: number;
  dataDir: string;
  podsDir: string;
  logsDir: string;
  cgroupRoot: string;
  /** The eviction flags; `hard` already defaulted by the caller. */
  eviction: EvictionFlags;
  /** --eviction-max-pod-grace-period in seconds (default 0). */
  maxPodGracePeriodSeconds?: number;
  pressureTransitionMs?: number;
  monitorMs?: number;
  /** Image GC thresholds (default 85/80 %, 2 min); undefined fields take the defaults. */
  imageGC?: Partial<ImageGCPolicy>;
  /** Image detection and GC period (default 5 min). */
  imageGCPeriodMs?: number;
  /** Image names never collected (the sandbox image). */
  pinnedImages?: string[];
  /** Replaces the node's observed stats (tests inject pressure). */
  evictionStats?(): Promise<EvictionStats>;
  /** Every pod the kubelet runs. */
  pods(): Pod[];
  /** Upstream DeleteAllUnusedContainers: dead containers and sandboxes, terminated pods' included. */
  deleteAllUnusedContainers?(): Promise<unknown>;
  /** The pods eligible for eviction (not terminal, not being deleted). */
  activePods(): Pod[];
  evict(pod: Pod, message: string, graceSeconds: number): Promise<void>;
  /** A Warning event on the Node. */
  nodeEvent(reason: string, message: string): void;
}

export interface NodePressureManagers {
  eviction: EvictionManager;
  imageGC: ImageGCManager;
  pressure(): NodePressure;
  start(): void;
  stop(): void;
}

/** Builds (without starting) the image GC and eviction managers. */
export function nodePressureManagers(o: NodePressureOptions): NodePressureManagers {
  const thresholds = parseThresholdConfig(o.eviction);
  const stats =
    o.evictionStats ??
    nodeEvictionStats({
      runtime: o.runtime,
      stats: o.stats,
      clock: o.clock,
      memoryCapacity: o.memoryCapacity,
      fsPath: o.dataDir,
      podsDir: o.podsDir,
      logsDir: o.logsDir,
      cgroupRoot: o.cgroupRoot,
      pods: o.pods,
    });
  const imageGC = new ImageGCManager({
    runtime: o.runtime,
    clock: o.clock,
    log: o.log,
    policy: { ...defaultImageGCPolicy, ...o.imageGC },
    periodMs: o.imageGCPeriodMs,
    pinnedImages: o.pinnedImages,
    nodeEvent: o.nodeEvent,
    imageFsStats: async () => {
      const s = await stats();
      const fs = s.imagefs ?? s.nodefs;
      return fs && { capacityBytes: fs.capacityBytes, availableBytes: fs.availableBytes };
    },
  });
  const eviction = new EvictionManager({
    clock: o.clock,
    log: o.log,
    thresholds,
    stats,
    activePods: o.activePods,
    evict: o.evict,
    // Containers first: an image used only by dead containers is in use until they are gone.
    reclaimDisk: async () => {
      await o.deleteAllUnusedContainers?.();
      await imageGC.deleteUnusedImages();
    },
    nodeEvent: o.nodeEvent,
    pressureTransitionMs: o.pressureTransitionMs,
    maxPodGracePeriodSeconds: o.maxPodGracePeriodSeconds,
    periodMs: o.monitorMs,
  });
  return {
    eviction,
    imageGC,
    pressure: () => eviction.pressure(),
    start() {
      imageGC.start();
      eviction.start();
    },
    stop() {
      imageGC.stop();
      eviction.stop();
    },
  };
}

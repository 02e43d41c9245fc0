/**
 * The kubelet's node-pressure and garbage-collection flags, declared once
 * for `k8ts kubelet`, `k8ts server` and `k8ts agent` (upstream kubelet flag
 * names and defaults): eviction thresholds and timings, image GC
 * thresholds and age, the (deprecated upstream, still honoured)
 * dead-container limits, and graceful node shutdown (upstream's
 * shutdownGracePeriod / shutdownGracePeriodCriticalPods settings; here the
 * node shuts down when the kubelet stops). kubeletNodeOptions() turns the parsed values into
 * startKubelet options, throwing KubeletFlagError on bad input.
 */
import type { Command } from "commander";
import { parseDuration } from "../api/schema/go-formats.ts";
import { parseThresholdConfig, ThresholdError } from "../kubelet/eviction/thresholds.ts";
import { validateImageGCPolicy, ImageGCPolicyError } from "../kubelet/images/image-gc-manager.ts";
import type { KubeletOptions } from "../kubelet/kubelet-options.ts";

/** A kubelet flag cannot be used. */
export class KubeletFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeletFlagError";
  }
}

/** The flags as commander hands them over (camelCase of the flag names). */
export interface KubeletNodeFlags {
  evictionHard?: string;
  evictionSoft?: string;
  evictionSoftGracePeriod?: string;
  evictionMaxPodGracePeriod?: string;
  evictionMinimumReclaim?: string;
  evictionPressureTransitionPeriod?: string;
  imageGcHighThreshold?: string;
  imageGcLowThreshold?: string;
  imageMinimumGcAge?: string;
  minimumContainerTtlDuration?: string;
  maximumDeadContainersPerContainer?: string;
  maximumDeadContainers?: string;
  shutdownGracePeriod?: string;
  shutdownGracePeriodCriticalPods?: string;
}

/** Declares the flags on a command. */
export function addKubeletNodeFlags(command: Command): Command {
  return command
    .option(
      "--eviction-hard <thresholds>",
      'hard eviction thresholds (default "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%"; "": none)',
    )
    .option(
      "--eviction-soft <thresholds>",
      'soft eviction thresholds, e.g. "memory.available<1.5Gi"',
    )
    .option(
      "--eviction-soft-grace-period <periods>",
      'grace period of each soft threshold, e.g. "memory.available=1m30s"',
    )
    .option(
      "--eviction-max-pod-grace-period <seconds>",
      "longest pod grace period for soft evictions",
      "0",
    )
    .option(
      "--eviction-minimum-reclaim <amounts>",
      'least amount reclaimed once a threshold is met, e.g. "nodefs.available=500Mi"',
    )
    .option(
      "--eviction-pressure-transition-period <duration>",
      "how long a pressure condition outlasts its last threshold met",
      "5m0s",
    )
    .option("--image-gc-high-threshold <percent>", "disk usage that starts image GC", "85")
    .option("--image-gc-low-threshold <percent>", "disk usage image GC frees down to", "80")
    .option("--image-minimum-gc-age <duration>", "unused images younger than this are kept", "2m0s")
    .option(
      "--minimum-container-ttl-duration <duration>",
      "dead containers younger than this are kept",
      "0s",
    )
    .option(
      "--maximum-dead-containers-per-container <n>",
      "dead instances kept per container (negative: no limit)",
      "1",
    )
    .option(
      "--maximum-dead-containers <n>",
      "dead containers kept on the node (-1: no limit)",
      "-1",
    )
    .option(
      "--shutdown-grace-period <duration>",
      "on stop, time to shut the node's pods down gracefully (0s: off)",
      "0s",
    )
    .option(
      "--shutdown-grace-period-critical-pods <duration>",
      "the part of --shutdown-grace-period kept for critical pods",
      "0s",
    );
}

function durationMs(flag: string, v: string): number {
  let ns: bigint | undefined;
  try {
    ns = parseDuration(v);
  } catch {
    ns = undefined;
  }
  if (ns === undefined || ns < 0n)
    throw new KubeletFlagError(`invalid ${flag} ${v}: want a duration such as 5m0s`);
  return Number(ns / 1_000_000n);
}

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < min)
    throw new KubeletFlagError(
      `invalid ${flag} ${v}: want an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ""}`,
    );
  return n;
}

/** The startKubelet options the flags stand for (validated as the kubelet would at start). */
export function kubeletNodeOptions(f: KubeletNodeFlags): Partial<KubeletOptions> {
  const o: Partial<KubeletOptions> = {
    evictionHard: f.evictionHard,
    evictionSoft: f.evictionSoft,
    evictionSoftGracePeriod: f.evictionSoftGracePeriod,
    evictionMinimumReclaim: f.evictionMinimumReclaim,
    evictionMaxPodGracePeriod: int(
      "--eviction-max-pod-grace-period",
      f.evictionMaxPodGracePeriod ?? "0",
      0,
    ),
    evictionPressureTransitionMs: durationMs(
      "--eviction-pressure-transition-period",
      f.evictionPressureTransitionPeriod ?? "5m0s",
    ),
    imageGC: {
      highThresholdPercent: int("--image-gc-high-threshold", f.imageGcHighThreshold ?? "85", 0),
      lowThresholdPercent: int("--image-gc-low-threshold", f.imageGcLowThreshold ?? "80", 0),
      minAgeMs: durationMs("--image-minimum-gc-age", f.imageMinimumGcAge ?? "2m0s"),
    },
    containerGC: {
      minAgeMs: durationMs(
        "--minimum-container-ttl-duration",
        f.minimumContainerTtlDuration ?? "0s",
      ),
      maxPerPodContainer: int(
        "--maximum-dead-containers-per-container",
        f.maximumDeadContainersPerContainer ?? "1",
        Number.MIN_SAFE_INTEGER,
      ),
      maxContainers: int(
        "--maximum-dead-containers",
        f.maximumDeadContainers ?? "-1",
        Number.MIN_SAFE_INTEGER,
      ),
    },
    shutdown: {
      gracePeriodMs: durationMs("--shutdown-grace-period", f.shutdownGracePeriod ?? "0s"),
      criticalGracePeriodMs: durationMs(
        "--shutdown-grace-period-critical-pods",
        f.shutdownGracePeriodCriticalPods ?? "0s",
      ),
    },
  };
  const sd = o.shutdown!;
  if (sd.criticalGracePeriodMs! > sd.gracePeriodMs!)
    throw new KubeletFlagError(
      `invalid configuration: shutdownGracePeriodCriticalPods (${f.shutdownGracePeriodCriticalPods}) must be <= shutdownGracePeriod (${f.shutdownGracePeriod ?? "0s"})`,
    );
  try {
    parseThresholdConfig({
      hard: o.evictionHard,
      soft: o.evictionSoft,
      softGracePeriod: o.evictionSoftGracePeriod,
      minimumReclaim: o.evictionMinimumReclaim,
    });
    validateImageGCPolicy(o.imageGC as Required<NonNullable<KubeletOptions["imageGC"]>>);
  } catch (err) {
    if (err instanceof ThresholdError || err instanceof ImageGCPolicyError)
      throw new KubeletFlagError(err.message);
    throw err;
  }
  return o;
}

/**
 * The kubelet's effective configuration as upstream's /configz serves it:
 * `{"kubeletconfig": KubeletConfiguration}` with the
 * kubelet.config.k8s.io/v1beta1 field names, defaults filled in. Flags
 * that have no KubeletConfiguration field (the deprecated dead-container
 * ones, --image-pull) are not part of it.
 */
import { formatDuration } from "../api/schema/go-formats.ts";
import {
  formatBinary,
  parseThresholdConfig,
  type EvictionFlags,
  type Threshold,
} from "./eviction/thresholds.ts";
import { defaultImageGCPolicy } from "./images/image-gc-manager.ts";
import type { KubeletOptions } from "./kubelet-options.ts";

/** Thresholds as KubeletConfiguration maps them: signal → "100Mi" / "10%". */
function thresholdMap(list: Threshold[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list)
    out[t.signal] = t.quantity ?? `${Math.round((t.percentage ?? 0) * 10000) / 100}%`;
  return out;
}

const duration = (ms: number) => formatDuration(BigInt(Math.round(ms)) * 1_000_000n);

/** The /configz body for a kubelet started with `opts` (after its own defaulting). */
export function kubeletConfigz(
  opts: KubeletOptions,
  resolved: { podCIDR: string; cgroupRoot: string; hostIP: string; evictionFlags: EvictionFlags },
): { kubeletconfig: Record<string, unknown> } {
  const thresholds = parseThresholdConfig(resolved.evictionFlags);
  const soft = thresholds.filter((t) => t.gracePeriodMs);
  const hard = thresholds.filter((t) => !t.gracePeriodMs);
  const minReclaim: Record<string, string> = {};
  for (const t of thresholds)
    if (t.minReclaim)
      minReclaim[t.signal] =
        t.minReclaim.quantity ?? `${Math.round((t.minReclaim.percentage ?? 0) * 10000) / 100}%`;
  const gc = { ...defaultImageGCPolicy, ...opts.imageGC };
  return {
    kubeletconfig: {
      kind: "KubeletConfiguration",
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      enableServer: true,
      staticPodPath: opts.podManifestPath ?? "",
      address: resolved.hostIP,
      port: opts.port ?? 10250,
      podCIDR: resolved.podCIDR,
      cgroupRoot: resolved.cgroupRoot,
      clusterDomain: opts.clusterDomain ?? "cluster.local",
      clusterDNS: opts.clusterDNS ?? [],
      resolvConf: opts.resolvConf ?? "/etc/resolv.conf",
      containerRuntimeEndpoint: opts.containerRuntimeEndpoint ?? "",
      containerLogMaxSize: formatBinary(opts.containerLogMaxSize ?? 10 * 1024 * 1024),
      containerLogMaxFiles: opts.containerLogMaxFiles ?? 5,
      imageMinimumGCAge: duration(gc.minAgeMs),
      imageGCHighThresholdPercent: gc.highThresholdPercent,
      imageGCLowThresholdPercent: gc.lowThresholdPercent,
      evictionHard: thresholdMap(hard),
      ...(soft.length ? { evictionSoft: thresholdMap(soft) } : {}),
      ...(soft.length
        ? {
            evictionSoftGracePeriod: Object.fromEntries(
              soft.map((t) => [t.signal, duration(t.gracePeriodMs!)]),
            ),
          }
        : {}),
      ...(Object.keys(minReclaim).length ? { evictionMinimumReclaim: minReclaim } : {}),
      evictionPressureTransitionPeriod: duration(opts.evictionPressureTransitionMs ?? 300_000),
      evictionMaxPodGracePeriod: opts.evictionMaxPodGracePeriod ?? 0,
      shutdownGracePeriod: duration(opts.shutdown?.gracePeriodMs ?? 0),
      shutdownGracePeriodCriticalPods: duration(opts.shutdown?.criticalGracePeriodMs ?? 0),
    },
  };
}

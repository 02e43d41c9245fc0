/**
 * The node lifecycle flags of kube-controller-manager, declared once for
 * `k8ts controller-manager` and `k8ts server`: --node-monitor-grace-period
 * and the per-zone eviction rates and thresholds, with upstream's defaults.
 */
import type { Command } from "commander";
import { parseGoDuration } from "../../util/go-duration.ts";
import { DEFAULT_ZONE_EVICTION, type ZoneEvictionOptions } from "./zones.ts";

/** The flags as commander leaves them (camel-cased, strings). */
export interface NodeLifecycleFlags {
  nodeMonitorGracePeriod?: string;
  nodeEvictionRate?: string;
  secondaryNodeEvictionRate?: string;
  unhealthyZoneThreshold?: string;
  largeClusterSizeThreshold?: string;
}

/** What the controller manager takes (ControllerManagerOptions' fields). */
export interface NodeLifecycleSettings {
  nodeMonitorGracePeriodMs: number;
  zoneEviction: ZoneEvictionOptions;
}

/** Declares the flags on a command (defaults as upstream v1.32). */
export function addNodeLifecycleFlags(cmd: Command): Command {
  return cmd
    .option("--node-monitor-grace-period <d>", "how long a silent node stays Ready", "50s")
    .option(
      "--node-eviction-rate <qps>",
      "nodes tainted NoExecute per second in a healthy zone",
      String(DEFAULT_ZONE_EVICTION.nodeEvictionRate),
    )
    .option(
      "--secondary-node-eviction-rate <qps>",
      "nodes tainted NoExecute per second in an unhealthy zone larger than --large-cluster-size-threshold",
      String(DEFAULT_ZONE_EVICTION.secondaryNodeEvictionRate),
    )
    .option(
      "--unhealthy-zone-threshold <fraction>",
      "share of not-Ready nodes (at least 3) that makes a zone unhealthy",
      String(DEFAULT_ZONE_EVICTION.unhealthyZoneThreshold),
    )
    .option(
      "--large-cluster-size-threshold <n>",
      "zones with more nodes than this are tainted at the secondary rate when unhealthy",
      String(DEFAULT_ZONE_EVICTION.largeClusterSizeThreshold),
    );
}

/**
 * The settings the flags ask for, or an error message in upstream's words
 * (`invalid argument "x" for "--flag" flag: ...`). Flags left unset keep
 * upstream's defaults.
 */
export function nodeLifecycleSettings(flags: NodeLifecycleFlags): NodeLifecycleSettings | string {
  const numbers: [keyof ZoneEvictionOptions, string, string | undefined][] = [
    ["nodeEvictionRate", "--node-eviction-rate", flags.nodeEvictionRate],
    [
      "secondaryNodeEvictionRate",
      "--secondary-node-eviction-rate",
      flags.secondaryNodeEvictionRate,
    ],
    ["unhealthyZoneThreshold", "--unhealthy-zone-threshold", flags.unhealthyZoneThreshold],
    [
      "largeClusterSizeThreshold",
      "--large-cluster-size-threshold",
      flags.largeClusterSizeThreshold,
    ],
  ];
  const zoneEviction = { ...DEFAULT_ZONE_EVICTION };
  for (const [field, flag, text] of numbers) {
    if (text === undefined) continue;
    const value = Number(text);
    if (String(text).trim() === "" || !(value >= 0))
      return `invalid argument "${text}" for "${flag}" flag: expected a number >= 0`;
    zoneEviction[field] = value;
  }
  let nodeMonitorGracePeriodMs = 50_000;
  if (flags.nodeMonitorGracePeriod !== undefined) {
    try {
      nodeMonitorGracePeriodMs = parseGoDuration(flags.nodeMonitorGracePeriod);
    } catch (err) {
      return `invalid argument "${flags.nodeMonitorGracePeriod}" for "--node-monitor-grace-period" flag: ${(err as Error).message}`;
    }
  }
  return { nodeMonitorGracePeriodMs, zoneEviction };
}

/**
 * Zones and their disruption states, as upstream's node lifecycle controller:
 * nodes are grouped by region and zone labels; a zone with no Ready node is
 * in FullDisruption, one where more than 2 nodes and at least
 * unhealthyZoneThreshold of them are not Ready is in PartialDisruption,
 * otherwise Normal. Each state sets how fast NoExecute taints may be added
 * to the zone's nodes. Pure functions.
 */
import type { KObject } from "../../api/types.ts";

export type ZoneState = "Initial" | "Normal" | "PartialDisruption" | "FullDisruption";

/** The eviction flags of kube-controller-manager, with upstream's defaults. */
export interface ZoneEvictionOptions {
  /** --node-eviction-rate: nodes tainted per second in a healthy zone (0.1). */
  nodeEvictionRate: number;
  /** --secondary-node-eviction-rate: per second in an unhealthy large zone (0.01). */
  secondaryNodeEvictionRate: number;
  /** --unhealthy-zone-threshold: share of not-Ready nodes that makes a zone unhealthy (0.55). */
  unhealthyZoneThreshold: number;
  /** --large-cluster-size-threshold: above this many nodes a zone is large (50). */
  largeClusterSizeThreshold: number;
}

export const DEFAULT_ZONE_EVICTION: ZoneEvictionOptions = {
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterSizeThreshold: 50,
};

/** Nodes with this label are left out of zone state computations (upstream). */
export const EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption";

/** Upstream's GetZoneKey: "" without zone labels, else "<region>:\0:<zone>". */
export function zoneKey(node: KObject): string {
  const l = node.metadata?.labels ?? {};
  const zone =
    l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "";
  const region =
    l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\x00:${zone}`;
}

/**
 * A zone's state from its nodes' Ready statuses (undefined: no Ready
 * condition, which counts as not Ready).
 */
export function computeZoneState(
  readyStatuses: (string | undefined)[],
  unhealthyZoneThreshold: number,
): { notReady: number; state: ZoneState } {
  const ready = readyStatuses.filter((s) => s === "True").length;
  const notReady = readyStatuses.length - ready;
  if (ready === 0 && notReady > 0) return { notReady, state: "FullDisruption" };
  if (notReady > 2 && notReady / readyStatuses.length >= unhealthyZoneThreshold)
    return { notReady, state: "PartialDisruption" };
  return { notReady, state: "Normal" };
}

/**
 * Upstream's setLimiterInZone: Normal and FullDisruption (of some zones only)
 * taint at --node-eviction-rate; PartialDisruption at the secondary rate in a
 * large zone, not at all in a small one.
 */
export function zoneTaintQPS(state: ZoneState, zoneSize: number, o: ZoneEvictionOptions): number {
  if (state === "PartialDisruption")
    return zoneSize > o.largeClusterSizeThreshold ? o.secondaryNodeEvictionRate : 0;
  return o.nodeEvictionRate;
}

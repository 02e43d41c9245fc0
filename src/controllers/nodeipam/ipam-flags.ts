/**
 * kube-controller-manager's node IPAM flags → a NodeIpamConfig:
 * --cluster-cidr (comma separated, one per family), --node-cidr-mask-size
 * (single stack only, as upstream), --node-cidr-mask-size-ipv4/-ipv6 and
 * --service-cluster-ip-range. Errors are returned as messages.
 */
import { isCidrError, parseCidr } from "./cidr-set.ts";
import { cidrSetsFor, type NodeIpamConfig } from "./range-allocator.ts";

export interface NodeIpamFlags {
  clusterCidr?: string;
  nodeCidrMaskSize?: string | number;
  nodeCidrMaskSizeIpv4?: string | number;
  nodeCidrMaskSizeIpv6?: string | number;
  serviceClusterIpRange?: string;
  /** Marked used from the start (k8ts server: its own node's podCIDR). */
  reservedCidrs?: string[];
}

const list = (s?: string) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

function maskSize(flag: string, v: string | number | undefined): number | string | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 128 ? n : `invalid argument "${v}" for "${flag}"`;
}

/** The configuration the flags describe, or why they are invalid. */
export function nodeIpamConfigFromFlags(f: NodeIpamFlags): NodeIpamConfig | string {
  const clusterCidrs = list(f.clusterCidr);
  const single = maskSize("--node-cidr-mask-size", f.nodeCidrMaskSize);
  const v4 = maskSize("--node-cidr-mask-size-ipv4", f.nodeCidrMaskSizeIpv4);
  const v6 = maskSize("--node-cidr-mask-size-ipv6", f.nodeCidrMaskSizeIpv6);
  for (const m of [single, v4, v6]) if (typeof m === "string") return m;
  const sizes: { 4?: number; 6?: number } = { 4: v4 as number, 6: v6 as number };
  if (single !== undefined) {
    if (clusterCidrs.length > 1)
      return "usage of --node-cidr-mask-size is not allowed with dual-stack clusters";
    const c = parseCidr(clusterCidrs[0] ?? "");
    if (!isCidrError(c)) sizes[c.family] = single as number;
  }
  const config: NodeIpamConfig = {
    clusterCidrs,
    nodeCidrMaskSize: sizes,
    serviceCidrs: list(f.serviceClusterIpRange),
    reservedCidrs: f.reservedCidrs,
  };
  const sets = cidrSetsFor(config);
  return typeof sets === "string" ? sets : config;
}

/**
 * The podCIDR of a `k8ts server`'s own node. As in a real cluster, it comes
 * from node IPAM unless given: with --pod-cidr that CIDR (kept out of node
 * IPAM's pool by the caller); without it, when node IPAM runs in this
 * server (--allocate-node-cidrs, the default), the node is registered and
 * its assigned podCIDR awaited (so several HA servers' nodes never share
 * one); otherwise upstream k3s's first node CIDR, 10.42.0.0/24.
 */
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { awaitPodCidr } from "./await-pod-cidr.ts";

/** The podCIDR a server's node uses when neither a flag nor node IPAM gives one. */
export const defaultServerPodCidr = "10.42.0.0/24";

export interface OwnPodCidrOptions {
  /** --pod-cidr, when given. */
  podCidr?: string;
  /** Whether this server runs node IPAM (--allocate-node-cidrs). */
  nodeIpam: boolean;
  client: RestClient;
  clock: Clock;
  nodeName: string;
  /** Give up waiting after (default 120 s). */
  timeoutMs?: number;
  log?(msg: string): void;
}

/** The CIDRs node IPAM must leave free for a server's own node: its --pod-cidr, if any. */
export function serverReservedCidrs(podCidr: string | undefined, disableAgent: boolean): string[] {
  return podCidr && !disableAgent ? [podCidr] : [];
}

/** Resolves the server's node podCIDR (see the module contract); throws on timeout. */
export async function ownNodePodCidr(o: OwnPodCidrOptions): Promise<string> {
  if (o.podCidr) return o.podCidr;
  if (!o.nodeIpam) return defaultServerPodCidr;
  const cidrs = await awaitPodCidr({
    client: o.client,
    clock: o.clock,
    nodeName: o.nodeName,
    timeoutMs: o.timeoutMs,
    log: o.log,
  });
  o.log?.(`node ${o.nodeName} podCIDR ${cidrs.join(",")} from node IPAM`);
  return cidrs[0]!;
}

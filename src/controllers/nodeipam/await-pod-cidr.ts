/**
 * A joining node without --pod-cidr (`k8ts agent`): registers its Node (no
 * podCIDR; an existing one is kept) and waits, bounded and with progress
 * messages, for the nodeipam controller to write spec.podCIDR, which the
 * kubelet's CNI then uses.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { nodesRef } from "../../client/resources.ts";
import { podCidrsOf, type IpamNode } from "./range-allocator.ts";

export interface AwaitPodCidrOptions {
  client: RestClient;
  clock: Clock;
  nodeName: string;
  /** Labels of the Node when this creates it (the kubelet adds the rest). */
  labels?: Record<string, string>;
  /** Give up after (default 120 s). */
  timeoutMs?: number;
  /** How often the Node is read (default 1 s). */
  pollMs?: number;
  /** How often a "still waiting" message is logged (default 10 s). */
  progressMs?: number;
  log?(msg: string): void;
}

/** The node's pod CIDRs once assigned (spec.podCIDRs, else [spec.podCIDR]); throws on timeout. */
export async function awaitPodCidr(o: AwaitPodCidrOptions): Promise<string[]> {
  const log = o.log ?? (() => {});
  const node: KObject = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.nodeName,
      labels: { "kubernetes.io/hostname": o.nodeName, ...(o.labels ?? {}) },
      annotations: { "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
  };
  try {
    await o.client.create(nodesRef, undefined, node);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const start = o.clock.now();
  const timeout = o.timeoutMs ?? 120_000;
  const poll = o.pollMs ?? 1_000;
  const progress = o.progressMs ?? 10_000;
  let lastLog = start;
  log(`waiting for node ${o.nodeName}'s podCIDR from the node IPAM controller`);
  for (;;) {
    const current = await o.client.get<IpamNode>(nodesRef, undefined, o.nodeName);
    const cidrs = podCidrsOf(current);
    if (cidrs.length > 0) return cidrs;
    const now = o.clock.now();
    if (now - start >= timeout)
      throw new Error(
        `node ${o.nodeName} got no podCIDR within ${Math.round(timeout / 1000)}s: ` +
          "run the controller manager with --allocate-node-cidrs (k8ts server: on by default) or give --pod-cidr",
      );
    if (now - lastLog >= progress) {
      lastLog = now;
      log(`still waiting for node ${o.nodeName}'s podCIDR (${Math.round((now - start) / 1000)}s)`);
    }
    await new Promise<void>((r) => o.clock.after(poll, r));
  }
}

/**
 * Pod routes between nodes, like flannel's host-gw backend: for every other
 * node with a spec.podCIDR and an IPv4 InternalIP, a route
 * `<podCIDR> via <InternalIP>` (more specific than the cluster CIDR's
 * `unreachable` route, which stays). Routes are tagged with their own
 * protocol number so the syncer finds and removes only its own. Nodes must
 * share a link (the project's bridge); a gateway that is not directly
 * reachable is reported, never routed some other way.
 */
import type { Node } from "kubernetes-types/core/v1.d.ts";
import { realClock, type Clock } from "../client/clock.ts";
import type { Logger } from "../util/logger.ts";
import { BoundedFrequencyRunner } from "./bounded-frequency-runner.ts";
import type { HostExec } from "./host-exec.ts";

/** The `proto` of routes this syncer owns. */
export const routeProtocol = "250";

export interface RouteSyncerOptions {
  exec: HostExec;
  nodeName: string;
  clock?: Clock;
  log?: Logger;
  minSyncPeriodMs?: number;
  /** Periodic full re-check (default 60 s). */
  syncPeriodMs?: number;
}

/** podCIDR -> gateway for every other node that has both (IPv4 only). */
export function desiredPodRoutes(nodes: Iterable<Node>, self: string): Map<string, string> {
  const out = new Map<string, string>();
  const ownIPs = new Set<string>();
  const list = [...nodes];
  for (const n of list) {
    if (n.metadata?.name !== self) continue;
    for (const a of n.status?.addresses ?? []) if (a.type === "InternalIP") ownIPs.add(a.address);
  }
  for (const n of list) {
    if (n.metadata?.name === self) continue;
    const cidr = n.spec?.podCIDR;
    const ip = n.status?.addresses?.find(
      (a) => a.type === "InternalIP" && /^\d{1,3}(\.\d{1,3}){3}$/.test(a.address),
    )?.address;
    if (!cidr || !ip || ownIPs.has(ip) || !/^\d{1,3}(\.\d{1,3}){3}\/\d+$/.test(cidr)) continue;
    out.set(cidr, ip);
  }
  return out;
}

export class RouteSyncer {
  private nodes = new Map<string, Node>();
  private readonly runner: BoundedFrequencyRunner;

  constructor(private readonly opts: RouteSyncerOptions) {
    this.runner = new BoundedFrequencyRunner(
      async () => {
        await this.sync();
      },
      {
        minIntervalMs: opts.minSyncPeriodMs ?? 200,
        maxIntervalMs: opts.syncPeriodMs ?? 60_000,
        clock: opts.clock ?? realClock,
      },
    );
  }

  onNode(node: Node): void {
    this.nodes.set(node.metadata?.name ?? "", node);
    this.runner.run();
  }

  onNodeDelete(node: Node): void {
    this.nodes.delete(node.metadata?.name ?? "");
    this.runner.run();
  }

  start(): void {
    this.runner.start();
    this.runner.run();
  }

  stop(): void {
    this.runner.stop();
  }

  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** The routes this syncer owns now: podCIDR -> gateway. */
  async current(): Promise<Map<string, string>> {
    const res = await this.opts.exec("ip", ["-4", "route", "show", "proto", routeProtocol]);
    const out = new Map<string, string>();
    for (const line of res.stdout.split("\n")) {
      const m = /^(\S+) via (\S+)/.exec(line.trim());
      if (m) out.set(m[1]!, m[2]!);
    }
    return out;
  }

  /** Makes the owned routes exactly the desired ones; returns what failed. */
  async sync(): Promise<string[]> {
    const want = desiredPodRoutes(this.nodes.values(), this.opts.nodeName);
    const have = await this.current();
    const failed: string[] = [];
    for (const [cidr, gw] of want) {
      if (have.get(cidr) === gw) continue;
      const res = await this.opts.exec("ip", [
        "route",
        "replace",
        cidr,
        "via",
        gw,
        "proto",
        routeProtocol,
      ]);
      if (res.code !== 0) {
        failed.push(cidr);
        this.opts.log?.warn("cannot route pod CIDR", { cidr, via: gw, err: res.stderr.trim() });
      }
    }
    for (const cidr of have.keys()) {
      if (want.has(cidr)) continue;
      await this.opts.exec("ip", ["route", "del", cidr, "proto", routeProtocol]);
    }
    return failed;
  }
}

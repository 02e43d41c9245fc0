/**
 * Stale UDP conntrack entries, cleared as upstream kube-proxy does after a
 * sync: a UDP flow keeps its DNAT for as long as packets keep coming, so
 * when an endpoint goes away its entries (service IP → that endpoint, and
 * NodePort → that endpoint) are deleted; and when a UDP service gets its
 * first endpoint, entries created while it had none (no DNAT) are deleted.
 * Uses the `conntrack` tool (conntrack-tools); without it nothing is
 * cleared and a warning is logged once.
 *
 * `staleUdp` is pure; `ConntrackCleaner` runs the commands.
 */
import type { Logger } from "../util/logger.ts";
import { usableEndpoints, type EndpointInfo } from "./endpoint-info.ts";
import type { HostExec } from "./host-exec.ts";
import type { ServicePortInfo } from "./service-port.ts";

/** What one UDP service port looked like after a sync. */
export interface UdpPortState {
  /** Cluster, external and load balancer IPs. */
  ips: string[];
  nodePort?: number;
  /** IPs of the endpoints its rules used. */
  endpointIPs: Set<string>;
}

/** The deletions one sync calls for. */
export interface StaleUdp {
  /** Flows to a service IP DNATed to an endpoint that is gone. */
  endpoints: { ip: string; endpointIP: string }[];
  nodePortEndpoints: { port: number; endpointIP: string }[];
  /** Service IPs / NodePorts that went from no endpoints to some. */
  serviceIPs: string[];
  nodePorts: number[];
}

/** Compares the UDP service ports before and after a sync (keyed by service port name/protocol). */
export function staleUdp(
  before: ReadonlyMap<string, UdpPortState>,
  after: ReadonlyMap<string, UdpPortState>,
): StaleUdp {
  const out: StaleUdp = { endpoints: [], nodePortEndpoints: [], serviceIPs: [], nodePorts: [] };
  for (const [key, prev] of before) {
    const next = after.get(key);
    for (const ep of prev.endpointIPs) {
      if (next?.endpointIPs.has(ep)) continue;
      for (const ip of prev.ips) out.endpoints.push({ ip, endpointIP: ep });
      if (prev.nodePort !== undefined)
        out.nodePortEndpoints.push({ port: prev.nodePort, endpointIP: ep });
    }
  }
  for (const [key, next] of after) {
    if (next.endpointIPs.size === 0) continue;
    if ((before.get(key)?.endpointIPs.size ?? 0) > 0) continue;
    out.serviceIPs.push(...next.ips);
    if (next.nodePort !== undefined) out.nodePorts.push(next.nodePort);
  }
  return out;
}

/** Each service's UDP ports as the last sync left them; a sync updates only the services it changed. */
export class UdpTracker {
  private readonly last = new Map<string, Map<string, UdpPortState>>();

  /** Services (`ns/name`) with UDP ports. */
  services(): IterableIterator<string> {
    return this.last.keys();
  }

  /** Records the `keys` services as they are now; returns what went stale. */
  update(
    keys: Iterable<string>,
    services: ReadonlyMap<string, readonly ServicePortInfo[]>,
    endpoints: ReadonlyMap<string, readonly EndpointInfo[]>,
  ): StaleUdp {
    const before = new Map<string, UdpPortState>();
    const now = new Map<string, UdpPortState>();
    for (const k of keys) {
      for (const [id, s] of this.last.get(k) ?? []) before.set(id, s);
      const next = new Map<string, UdpPortState>();
      for (const sp of services.get(k) ?? []) {
        if (sp.protocol !== "UDP") continue;
        const id = `${sp.name}/${sp.protocol}`;
        const all = endpoints.get(id) ?? [];
        const used = [...usableEndpoints(all, false), ...usableEndpoints(all, true)];
        const state = {
          ips: [...sp.clusterIPs, ...sp.externalIPs, ...sp.loadBalancerIPs],
          nodePort: sp.nodePort,
          endpointIPs: new Set(used.map((e) => e.ip)),
        };
        next.set(id, state);
        now.set(id, state);
      }
      if (next.size > 0) this.last.set(k, next);
      else this.last.delete(k);
    }
    return staleUdp(before, now);
  }
}

export class ConntrackCleaner {
  private available?: boolean;

  constructor(
    private readonly exec: HostExec,
    private readonly log?: Logger,
  ) {}

  /** Runs the deletions; returns how many conntrack commands ran. Never throws. */
  async clear(stale: StaleUdp): Promise<number> {
    const commands: string[][] = [
      ...stale.endpoints.map((e) => ["--orig-dst", e.ip, "--dst-nat", e.endpointIP]),
      ...stale.nodePortEndpoints.map((e) => ["--dport", String(e.port), "--dst-nat", e.endpointIP]),
      ...stale.serviceIPs.map((ip) => ["--orig-dst", ip]),
      ...stale.nodePorts.map((p) => ["--dport", String(p)]),
    ];
    if (commands.length === 0 || !(await this.isAvailable())) return 0;
    for (const c of commands) {
      // Exit 1 with "0 flow entries have been deleted" is the common case.
      const res = await this.exec("conntrack", ["-D", "-p", "udp", ...c]);
      if (res.code !== 0 && !/0 flow entries/.test(res.stderr))
        this.log?.warn("conntrack delete failed", { args: c.join(" "), err: res.stderr.trim() });
    }
    return commands.length;
  }

  private async isAvailable(): Promise<boolean> {
    if (this.available === undefined) {
      const res = await this.exec("conntrack", ["--version"]);
      this.available = res.code === 0;
      if (!this.available)
        this.log?.warn("conntrack tool not found: stale UDP flows are not cleared", {
          err: res.stderr.trim(),
        });
    }
    return this.available;
  }
}

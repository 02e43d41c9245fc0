/**
 * Routes that let the node itself reach ClusterIPs. The node keeps an
 * `unreachable` route for the whole service CIDR (the network safety rule),
 * and a locally originated connect() fails on it before the nat OUTPUT
 * chain can DNAT the packet. So each allocated ClusterIP gets a /32 route
 * through an empty bridge device: the route lookup succeeds, nat OUTPUT
 * rewrites the destination, and anything not rewritten is dropped on a
 * device with no ports (and rejected by filter KUBE-SERVICES first).
 * Addresses without a service stay unreachable.
 */
import { mustExec, type HostExec } from "./host-exec.ts";

export const defaultServiceDevice = "k8ts-svc0";

export class ServiceRoutes {
  private current?: Set<string>;

  constructor(
    private readonly exec: HostExec,
    readonly device = defaultServiceDevice,
  ) {}

  /** Creates the device if missing and brings it up (idempotent). */
  async ensureDevice(): Promise<void> {
    const show = await this.exec("ip", ["link", "show", this.device]);
    if (show.code !== 0) {
      await mustExec(this.exec, "ip", ["link", "add", this.device, "type", "bridge"]);
    }
    await mustExec(this.exec, "ip", ["link", "set", this.device, "up"]);
  }

  /** Makes the device's /32 routes exactly `ips` (IPv4 ClusterIPs). */
  async sync(ips: ReadonlySet<string>): Promise<void> {
    if (!this.current) this.current = await this.routed();
    const cmds: string[] = [];
    for (const ip of ips)
      if (!this.current.has(ip)) cmds.push(`route replace ${ip}/32 dev ${this.device}`);
    for (const ip of this.current)
      if (!ips.has(ip)) cmds.push(`route del ${ip}/32 dev ${this.device}`);
    if (cmds.length === 0) return;
    const res = await this.exec("ip", ["-force", "-batch", "-"], cmds.join("\n") + "\n");
    // -force keeps going past a failed line; re-read what is there.
    this.current = res.code === 0 ? new Set(ips) : await this.routed();
    if (res.code !== 0)
      throw new Error(`Cannot sync service routes: ${res.stderr.trim().slice(0, 500)}`);
  }

  /** The addresses routed through the device now. */
  async routed(): Promise<Set<string>> {
    const res = await this.exec("ip", ["-4", "route", "show", "dev", this.device]);
    const out = new Set<string>();
    if (res.code !== 0) return out;
    for (const line of res.stdout.split("\n")) {
      const dst = line.trim().split(/\s+/)[0];
      if (dst) out.add(dst.replace(/\/32$/, ""));
    }
    return out;
  }

  /** Deletes the device and with it every route through it. */
  async cleanup(): Promise<void> {
    await this.exec("ip", ["link", "delete", this.device]);
    this.current = undefined;
  }
}

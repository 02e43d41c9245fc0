/**
 * A throwaway network for proxy tests: a "node" network namespace with a
 * bridge (the pod gateway) and the cluster's unreachable routes, and "pod"
 * namespaces on veths off that bridge, each able to run busybox httpd.
 * Everything lives in namespaces named k8ts-test-<random>-*; `destroy()`
 * kills the processes it started (by pid) and deletes the namespaces, which
 * takes their devices, routes and iptables chains with them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostExec, mustExec, type HostExec } from "../host-exec.ts";

export interface LabPod {
  name: string;
  netns: string;
  ip: string;
}

export class NetnsLab {
  readonly id = Math.random().toString(36).slice(2, 8);
  readonly nodeNetns = `k8ts-test-${this.id}-node`;
  readonly gateway: string;
  readonly pods: LabPod[] = [];
  private namespaces: string[] = [];
  private procs: ChildProcess[] = [];
  private dir = mkdtempSync(join(tmpdir(), "k8ts-netns-lab-"));
  private readonly host = hostExec();

  /** `podCIDR` must be a /24 inside 10.42.0.0/16, e.g. "10.42.7.0/24". */
  constructor(readonly podCIDR = "10.42.0.0/24") {
    this.gateway = podCIDR.replace(/\.0\/24$/, ".1");
  }

  /** Runs commands inside the node namespace. */
  get exec(): HostExec {
    return hostExec(this.nodeNetns);
  }

  async create(): Promise<void> {
    await this.addNetns(this.nodeNetns);
    const n = this.exec;
    await mustExec(n, "ip", ["link", "set", "lo", "up"]);
    await mustExec(n, "ip", ["route", "add", "unreachable", "10.42.0.0/16"]);
    await mustExec(n, "ip", ["route", "add", "unreachable", "10.43.0.0/16"]);
    await mustExec(n, "ip", ["link", "add", "cbr0", "type", "bridge"]);
    await mustExec(n, "ip", ["addr", "add", `${this.gateway}/24`, "dev", "cbr0"]);
    await mustExec(n, "ip", ["link", "set", "cbr0", "up"]);
    await mustExec(n, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
  }

  /** Adds a pod namespace on the bridge with the next address. */
  async addPod(name: string): Promise<LabPod> {
    const i = this.pods.length + 2;
    const pod: LabPod = {
      name,
      netns: `k8ts-test-${this.id}-p${i}`,
      ip: this.podCIDR.replace(/\.0\/24$/, `.${i}`),
    };
    await this.addNetns(pod.netns);
    const n = this.exec;
    const p = hostExec(pod.netns);
    const veth = `veth${i}`;
    await mustExec(n, "ip", [
      "link",
      "add",
      veth,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      pod.netns,
    ]);
    await mustExec(n, "ip", ["link", "set", veth, "master", "cbr0", "up"]);
    await mustExec(this.host, "bridge", [
      "-n",
      this.nodeNetns,
      "link",
      "set",
      "dev",
      veth,
      "hairpin",
      "on",
    ]);
    await mustExec(p, "ip", ["link", "set", "lo", "up"]);
    await mustExec(p, "ip", ["addr", "add", `${pod.ip}/24`, "dev", "eth0"]);
    await mustExec(p, "ip", ["link", "set", "eth0", "up"]);
    await mustExec(p, "ip", ["route", "add", "default", "via", this.gateway]);
    this.pods.push(pod);
    return pod;
  }

  /** Starts busybox httpd on `port` in the pod, serving its name at /. */
  async serveHttp(pod: LabPod, port = 8080): Promise<void> {
    const www = join(this.dir, `${pod.name}-${port}`);
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, "index.html"), `${pod.name}\n`);
    const child = spawn(
      "ip",
      ["netns", "exec", pod.netns, "busybox", "httpd", "-f", "-p", String(port), "-h", www],
      {
        stdio: "ignore",
      },
    );
    this.procs.push(child);
    // httpd has bound once a local connect succeeds.
    for (let i = 0; i < 100; i++) {
      const res = await hostExec(pod.netns)("curl", [
        "-sS",
        "-m",
        "1",
        `http://127.0.0.1:${port}/`,
      ]);
      if (res.code === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`httpd in ${pod.name} did not start`);
  }

  /** One HTTP GET with curl from a namespace: body, or the curl exit code. */
  async get(netns: string, url: string): Promise<{ code: number; body: string }> {
    const res = await hostExec(netns)("curl", ["-sS", "-m", "3", url]);
    return { code: res.code, body: res.stdout.trim() };
  }

  async destroy(): Promise<void> {
    for (const p of this.procs) {
      // One killed by a signal has exitCode null too: its 'exit' has fired already.
      if (p.exitCode === null && p.signalCode === null && p.pid) {
        const exited = new Promise((r) => p.once("exit", r));
        p.kill("SIGTERM");
        await exited;
      }
    }
    for (const ns of this.namespaces.reverse()) await this.host("ip", ["netns", "delete", ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async addNetns(name: string): Promise<void> {
    await mustExec(this.host, "ip", ["netns", "add", name]);
    this.namespaces.push(name);
  }
}

/**
 * One `k8ts server` (with its node and its own containerd) inside a network
 * namespace the test file creates: started in `before` once its node is
 * Ready, stopped in `after` (SIGTERM, SIGKILL after 90 s) with the namespace
 * and data dir removed. Shared by kubelet-server-flags.test.ts and
 * proxy-server-netns.test.ts.
 */
import { after, before } from "node:test";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually, stopChild } from "./harness.ts";
import { inNetns, netnsKubectl, type Run } from "./proxy-netns-run.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface NetnsServerOptions {
  /** Short name used in the namespace, node, data dir and cgroup names. */
  tag: string;
  /** --pod-cidr: unique among the e2e files (they share /var/lib/cni). */
  podCidr: string;
  /** More `k8ts server` flags. */
  args?: string[];
  /** Filters the server's log before it is shown in a failure. */
  quiet?: (log: string) => string;
}

export interface NetnsServer {
  netns: string;
  nodeName: string;
  dataDir: string;
  kubeconfig: string;
  /** The server's output so far (filtered by `quiet`), last 3,000 characters. */
  log(): string;
  kubectl(args: string[], input?: string): Promise<Run>;
  kubectlOk(args: string[], input?: string): Promise<string>;
  /** Runs a command inside the namespace. */
  inNs(cmd: string, args: string[], input?: string): Promise<Run>;
}

export function useNetnsServer(opts: NetnsServerOptions): NetnsServer {
  const suffix = Math.random().toString(36).slice(2, 7);
  const netns = `k8ts-test-${suffix}-${opts.tag}`;
  const nodeName = `${opts.tag}-${suffix}`;
  const dataDir = mkdtempSync(join(tmpdir(), `k8ts-${opts.tag}-`));
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  let server: ChildProcess | undefined;
  let output = "";
  const log = () => (opts.quiet ?? ((s: string) => s))(output).slice(-3000);
  const { kubectl, kubectlOk } = netnsKubectl(netns, kubeconfig, log);

  before(async () => {
    execFileSync("ip", ["netns", "add", netns]);
    execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
    server = spawn(
      "nsenter",
      [
        `--net=/var/run/netns/${netns}`,
        process.execPath,
        join(repoRoot, "bin", "k8ts"),
        "server",
        "--data-dir",
        dataDir,
        "--bind-address",
        "127.0.0.1",
        "--secure-port",
        "6443",
        "--node-name",
        nodeName,
        "--pod-cidr",
        opts.podCidr,
        "--cgroup-root",
        `/k8ts-${opts.tag}-${suffix}`,
        ...(opts.args ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    await eventually(
      "the server and its node are ready",
      async () => {
        if (server?.exitCode !== null) throw new Error(`k8ts server exited:\n${output}`);
        if (!existsSync(kubeconfig)) return undefined;
        const r = await kubectl([
          "get",
          "node",
          nodeName,
          "-o",
          `jsonpath={.status.conditions[?(@.type=="Ready")].status}`,
        ]);
        return r.stdout.trim() === "True" ? true : undefined;
      },
      { timeoutMs: 180_000, context: log },
    );
  });

  after(async () => {
    await stopChild(server, 90_000);
    execFileSync("ip", ["netns", "delete", netns]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  return {
    netns,
    nodeName,
    dataDir,
    kubeconfig,
    log,
    kubectl,
    kubectlOk,
    inNs: (cmd, args, input) => inNetns(netns, cmd, args, input),
  };
}

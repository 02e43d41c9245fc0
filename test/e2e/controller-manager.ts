/**
 * `k8ts controller-manager` as its own process beside a test cluster (started
 * with --disable-controller-manager), and the kubelet's part the controller
 * tests play by writing pod status.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  eventually,
  onFreePort,
  startCluster,
  stopChild,
  track,
  untilOutput,
  type TestCluster,
} from "./harness.ts";

const k8ts = join(import.meta.dirname, "..", "..", "bin", "k8ts");

export interface ControllerManager {
  /** Its secure port (/healthz, /metrics). */
  port: number;
  /** Its stdout and stderr so far. */
  log(): string;
  /** Ends it (SIGTERM) and waits for its exit. */
  stop(): Promise<void>;
}

/** Starts a controller manager on the cluster, resolving once it serves its secure port. */
export async function startControllerManager(cluster: TestCluster): Promise<ControllerManager> {
  let output = "";
  // --secure-port 0 turns the endpoint off (as upstream's): a free port, chosen again if taken.
  const [child, port] = await onFreePort(async (port) => {
    output = "";
    const child = spawn(
      process.execPath,
      [
        k8ts,
        "controller-manager",
        "--kubeconfig",
        cluster.kubeconfig,
        "--leader-elect=false",
        `--secure-port=${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (d: Buffer) => (output += d));
    child.stderr?.on("data", (d: Buffer) => (output += d));
    await untilOutput(child, () => output, /"msg":"serving securely"/);
    return [child, port] as const;
  });
  return {
    port,
    log: () => output,
    stop: () => stopChild(child),
  };
}

/** A cluster without its own controller manager, and one started beside it. */
async function startClusterWithManager(): Promise<{
  cluster: TestCluster;
  manager: ControllerManager;
}> {
  const cluster = await startCluster({ args: ["--disable-controller-manager"] });
  try {
    return { cluster, manager: await startControllerManager(cluster) };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** What a controllers-* test file works with (see useClusterWithManager). */
export interface ClusterWithManager {
  /** The cluster, started with --disable-controller-manager. */
  readonly cluster: TestCluster;
  /** The controller manager beside it. */
  readonly manager: ControllerManager;
  /** eventuallyWithLog on the manager's log. */
  readonly eventually: ReturnType<typeof eventuallyWithLog>;
}

/**
 * Registers the calling file's hooks: before its tests, a cluster and a
 * controller manager beside it; after them, both stopped. The handles are
 * set by the before hook: read them in tests, not at the file's top level.
 */
export function useClusterWithManager(): ClusterWithManager {
  let started: { cluster: TestCluster; manager: ControllerManager } | undefined;
  before(async () => {
    started = await startClusterWithManager();
  });
  after(async () => {
    await started?.manager.stop();
    await started?.cluster.stop();
  });
  const handles = () => started ?? assert.fail("the cluster starts in the file's before hook");
  return {
    get cluster() {
      return handles().cluster;
    },
    get manager() {
      return handles().manager;
    },
    eventually: eventuallyWithLog(() => started?.manager.log() ?? ""),
  };
}

/** Runs `k8ts controller-manager --kubeconfig <kubeconfig> ...args` to its exit. */
export function controllerManagerExit(
  kubeconfig: string,
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p: ChildProcess = spawn(
      process.execPath,
      [k8ts, "controller-manager", "--kubeconfig", kubeconfig, ...args],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    track(p);
    let stderr = "";
    p.stderr?.on("data", (d: Buffer) => (stderr += d));
    p.once("exit", (code) => resolve({ code, stderr }));
  });
}

/** `kubectl ... -o json`, parsed. */
export async function kubectlJson(cluster: TestCluster, args: string[]): Promise<any> {
  return JSON.parse(await cluster.kubectlOk([...args, "-o", "json"]));
}

/** Plays the kubelet: marks the selected pods Running and Ready (or another phase). */
export async function setPods(
  cluster: TestCluster,
  selector: string,
  phase = "Running",
  ns = "default",
): Promise<number> {
  const pods = (await kubectlJson(cluster, ["get", "pods", "-n", ns, "-l", selector])).items;
  let n = 0;
  for (const p of pods) {
    // A pod already in the phase is patched again when its Ready condition is
    // missing: the scheduler's PodScheduled=False merge patch (no nodes here)
    // may have replaced the conditions list after ours.
    const readyCond = (p.status?.conditions ?? []).some((c: any) => c.type === "Ready");
    if (p.metadata.deletionTimestamp || (p.status?.phase === phase && readyCond)) continue;
    const ready = phase === "Running" ? "True" : "False";
    const status = {
      phase,
      podIP: `10.42.0.${10 + (n % 200)}`,
      conditions: [
        {
          type: "Ready",
          status: ready,
          lastTransitionTime: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z/, "Z"),
        },
      ],
    };
    await cluster.request(
      "PATCH",
      `/api/v1/namespaces/${ns}/pods/${p.metadata.name}/status`,
      JSON.stringify({ status }),
      { "Content-Type": "application/merge-patch+json" },
    );
    n++;
  }
  return n;
}

/**
 * The harness's eventually with a longer default (3 min: kubectl is the
 * observer, each poll a process under load) and the end of log() on failure.
 */
export function eventuallyWithLog(log: () => string) {
  return <T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    opts: { timeoutMs?: number } = {},
  ): Promise<T> =>
    eventually(what, check, {
      timeoutMs: opts.timeoutMs ?? 180_000,
      context: () => log().slice(-2000),
    });
}

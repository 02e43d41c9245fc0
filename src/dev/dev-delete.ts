/**
 * `k8ts dev cluster delete`: stops the node processes the state file names
 * (SIGTERM, so each kubelet removes its pods, containerd and bridge; SIGKILL
 * after a grace period), then kills whatever is still inside the namespaces
 * the cluster made (leftover containerd, shims, pod processes), unmounts
 * leftovers under the state dir, removes the pods' cgroup root, deletes the
 * namespaces (their links and routes go with them) and the state dir.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { removeCgroup } from "../kubelet/cgroups.ts";
import { hostExec, type HostExec } from "../proxy/host-exec.ts";
import { deleteDevNetwork, netnsPids, planNamespaces } from "./dev-network.ts";
import { readDevClusterState } from "./dev-state.ts";

export interface DevDeleteOptions {
  exec?: HostExec;
  /** Grace period of each node process after SIGTERM (default 120 s). */
  stopTimeoutMs?: number;
  log?: (msg: string) => void;
}

/** What delete did. */
export interface DevDeleteReport {
  stopped: string[];
  /** PIDs found inside the namespaces after the nodes stopped, and killed. */
  killedLeftovers: number[];
  /** Namespaces that could not be deleted (with the reason). */
  failed: string[];
}

/** No dev cluster state where one was expected. */
export class DevClusterNotFound extends Error {
  readonly code = "DevClusterNotFound";
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid` is still the process we started (its command line names `arg`: its data dir or socket). */
function isOurs(pid: number, arg: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(arg);
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (!left.length || Date.now() > deadline) return left;
    await delay(200);
  }
}

const umountLazy = (path: string) =>
  new Promise<void>((resolve) => execFile("umount", ["-l", path], () => resolve()));

/** Deletes the dev cluster whose state is in `stateDir`; throws DevClusterNotFound without state. */
export async function deleteDevCluster(
  stateDir: string,
  o: DevDeleteOptions = {},
): Promise<DevDeleteReport> {
  const state = readDevClusterState(stateDir);
  if (!state) throw new DevClusterNotFound(`No dev cluster state in ${stateDir}`);
  const { plan } = state;
  const exec = o.exec ?? hostExec();
  const log = o.log ?? (() => {});
  const report: DevDeleteReport = { stopped: [], killedLeftovers: [], failed: [] };
  // Agents first, the server last (agents keep talking to it while stopping).
  const order = [...plan.nodes].reverse();
  const running = order.filter((n) => {
    const pid = state.pids[n.name];
    return pid !== undefined && isOurs(pid, n.dataDir);
  });
  // The API forwarders first (plain pipes: nothing to drain).
  const forwarders = (state.forwarders ?? []).filter(
    (pid) => state.apiSocket && isOurs(pid, state.apiSocket),
  );
  for (const pid of forwarders) process.kill(pid, "SIGKILL");
  await waitGone(forwarders, 10_000);
  for (const n of running) process.kill(state.pids[n.name]!, "SIGTERM");
  const pids = running.map((n) => state.pids[n.name]!);
  const stuck = await waitGone(pids, o.stopTimeoutMs ?? 120_000);
  for (const pid of stuck) {
    log(`node process ${pid} did not stop in time: killing it`);
    process.kill(pid, "SIGKILL");
  }
  await waitGone(stuck, 10_000);
  report.stopped = running.map((n) => n.name);
  // Whatever is still inside the namespaces this cluster made is its own.
  for (const ns of planNamespaces(plan)) {
    const left = await netnsPids(exec, ns);
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
        report.killedLeftovers.push(pid);
      } catch {
        // already gone
      }
    }
    await waitGone(left, 10_000);
  }
  if (report.killedLeftovers.length)
    log(`killed ${report.killedLeftovers.length} leftover processes inside the namespaces`);
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((m): m is string => !!m && m.startsWith(`${plan.stateDir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await umountLazy(m);
  removeCgroup(plan.cgroupRoot);
  report.failed = await deleteDevNetwork(plan, exec);
  if (!report.failed.length && existsSync(plan.stateDir))
    rmSync(plan.stateDir, { recursive: true, force: true });
  return report;
}

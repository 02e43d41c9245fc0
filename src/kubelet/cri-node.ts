/**
 * The host side of a CRI node the kubelet owns: unreachable routes for the
 * cluster and service CIDRs (before any pod), the CNI config, its own
 * containerd, the built-in images; and the matching teardown (pods,
 * containerd by PID, bridge, leftover mounts, cgroups).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../util/logger.ts";
import { removeCgroup } from "./cgroups.ts";
import { ensureBuiltinImages } from "./images/ensure-images.ts";
import { PAUSE_IMAGE } from "./images/builtin-images.ts";
import { writeCniConfig } from "./network/cni-config.ts";
import { deleteBridge, ensureUnreachableRoutes } from "./network/host-network.ts";
import { startContainerd, type ContainerdProcess } from "./runtime/cri/containerd.ts";
import { CriRuntime } from "./runtime/cri/cri-runtime.ts";
import type { ContainerRuntime } from "./runtime/runtime.ts";

export interface CriNodeOptions {
  dataDir: string;
  nodeName: string;
  podCIDR: string;
  clusterCIDR: string;
  serviceCIDR: string;
  bridge: string;
  cgroupRoot: string;
  log: Logger;
  importImages: boolean;
}

export interface CriNode {
  runtime: CriRuntime;
  containerd: ContainerdProcess;
  /** Stops and removes every sandbox, stops containerd, removes the bridge, mounts and cgroups. */
  teardown(): Promise<void>;
}

/**
 * A bridge name for a node (at most 15 characters, as Linux requires): a
 * digest, so names differing only at the end (node1, node2) do not collide
 * (the bridge also names the CNI network and its host-local IPAM directory).
 */
export function bridgeName(nodeName: string): string {
  return `k8ts${createHash("sha256").update(nodeName).digest("hex").slice(0, 8)}`;
}

function umountLazy(path: string): Promise<void> {
  return new Promise((resolve) => execFile("umount", ["-l", path], () => resolve()));
}

/**
 * Kills container shims our containerd started that outlived it (e.g. after
 * containerd was killed and a sandbox could not be removed), and the
 * processes they run. Only shims whose -address is our socket are touched.
 */
export function killLeftoverShims(socket: string): void {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    const args = cmdline.split("\0");
    if (!args[0]?.includes("containerd-shim") || args[args.indexOf("-address") + 1] !== socket)
      continue;
    for (const child of childPids(Number(pid))) tryKill(child);
    tryKill(Number(pid));
  }
}

function childPids(pid: number): number[] {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Stops and removes every pod sandbox the runtime knows. */
export async function removeAllSandboxes(runtime: ContainerRuntime): Promise<void> {
  const sandboxes = await runtime.listPodSandbox();
  await Promise.all(
    sandboxes.map(async (s) => {
      for (const c of await runtime.listContainers({ podSandboxId: s.id })) {
        await runtime.stopContainer(c.id, 0);
        await runtime.removeContainer(c.id);
      }
      await runtime.stopPodSandbox(s.id);
      await runtime.removePodSandbox(s.id);
    }),
  );
}

export async function startCriNode(o: CriNodeOptions): Promise<CriNode> {
  await ensureUnreachableRoutes([o.clusterCIDR, o.serviceCIDR]);
  const cniConfDir = join(o.dataDir, "cni", "net.d");
  writeCniConfig({
    confDir: cniConfDir,
    networkName: `k8ts-${o.bridge}`,
    bridge: o.bridge,
    podCIDR: o.podCIDR,
    ipamDataDir: join(o.dataDir, "cni", "ipam"),
  });
  const containerd = await startContainerd({
    dir: join(o.dataDir, "containerd"),
    cniConfDir,
    sandboxImage: PAUSE_IMAGE,
    onRestart: (delayMs) => o.log.warn("containerd exited; restarting it", { delayMs }),
  });
  const runtime = new CriRuntime(containerd.endpoint);
  try {
    if (o.importImages) {
      const imported = await ensureBuiltinImages(
        runtime,
        containerd.socket,
        join(o.dataDir, "images"),
      );
      if (imported.length) o.log.info("imported built-in images", { images: imported });
    }
  } catch (err) {
    runtime.close();
    await containerd.stop();
    throw err;
  }
  return {
    runtime,
    containerd,
    async teardown() {
      try {
        await removeAllSandboxes(runtime);
      } catch (err) {
        o.log.warn("removing sandboxes at shutdown failed", { err });
      }
      runtime.close();
      await containerd.stop();
      killLeftoverShims(containerd.socket);
      await deleteBridge(o.bridge);
      const mounts = readFileSync("/proc/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[1])
        .filter((m) => m && m.startsWith(`${o.dataDir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await umountLazy(m);
      removeCgroup(o.cgroupRoot);
    },
  };
}

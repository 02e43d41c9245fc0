/**
 * Supervises a containerd the kubelet owns: writes its config under the
 * kubelet's data dir (own root, state, socket; CRI plugin with our pause
 * image, restrict_oom_score_adj, netns under the state dir, our CNI conf
 * dir, runc with the cgroupfs driver), starts it as a child process, waits
 * until CRI answers, and stops it by PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openCriClient } from "./cri-client.ts";

export interface ContainerdOptions {
  /** Directory for config, root, state, socket and logs. */
  dir: string;
  cniConfDir: string;
  cniBinDir?: string;
  sandboxImage: string;
  /** Where containerd writes its log (default `<dir>/containerd.log`). */
  logFile?: string;
  /** Told when containerd died unexpectedly and is respawned after delayMs. */
  onRestart?(delayMs: number): void;
}

export interface ContainerdProcess {
  /** `unix:///.../containerd.sock` */
  endpoint: string;
  socket: string;
  /** The current containerd's PID (changes when it is respawned). */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

const q = (s: string) => JSON.stringify(s);

/** The containerd config (version 2) for these options. */
export function containerdConfig(o: ContainerdOptions): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return [
    "version = 2",
    `root = ${q(join(o.dir, "root"))}`,
    `state = ${q(join(o.dir, "state"))}`,
    "oom_score = 0",
    `disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]`,
    "[grpc]",
    `  address = ${q(join(o.dir, "containerd.sock"))}`,
    "[ttrpc]",
    `  address = ${q(join(o.dir, "containerd.sock.ttrpc"))}`,
    "[debug]",
    `  address = ""`,
    "[metrics]",
    `  address = ""`,
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${q(join(o.dir, "opt"))}`,
    `[${cri}]`,
    `  sandbox_image = ${q(o.sandboxImage)}`,
    "  restrict_oom_score_adj = true",
    "  netns_mounts_under_state_dir = true",
    `  stream_server_address = "127.0.0.1"`,
    `  stream_server_port = "0"`,
    "  enable_selinux = false",
    "  max_container_log_line_size = 16384",
    `[${cri}.cni]`,
    `  bin_dir = ${q(o.cniBinDir ?? "/usr/lib/cni")}`,
    `  conf_dir = ${q(o.cniConfDir)}`,
    "  max_conf_num = 1",
    `[${cri}.containerd]`,
    `  snapshotter = "overlayfs"`,
    `  default_runtime_name = "runc"`,
    `[${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    `[${cri}.containerd.runtimes.runc.options]`,
    "  SystemdCgroup = false",
    "",
  ].join("\n");
}

/** Starts containerd and resolves once its CRI service answers Version. */
export async function startContainerd(o: ContainerdOptions): Promise<ContainerdProcess> {
  mkdirSync(o.dir, { recursive: true });
  mkdirSync(o.cniConfDir, { recursive: true });
  const configPath = join(o.dir, "config.toml");
  writeFileSync(configPath, containerdConfig(o));
  const socket = join(o.dir, "containerd.sock");
  const endpoint = `unix://${socket}`;
  let child: ChildProcess;
  let exited = false;
  let stopping = false;
  let exitPromise: Promise<void>;
  let restartTimer: NodeJS.Timeout | undefined;
  let restarts = 0;
  // Spawns containerd; an unexpected exit after startup respawns it (1 s, doubling to 30 s).
  const launch = () => {
    const logFd = openSync(o.logFile ?? join(o.dir, "containerd.log"), "a");
    child = spawn("containerd", ["--config", configPath], { stdio: ["ignore", logFd, logFd] });
    closeSync(logFd);
    exited = false;
    exitPromise = new Promise<void>((resolve) =>
      child.once("exit", () => {
        exited = true;
        resolve();
        if (stopping || !started) return;
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(restarts++, 5));
        o.onRestart?.(delay);
        restartTimer = setTimeout(launch, delay);
      }),
    );
    child.once("error", () => (exited = true));
  };
  let started = false;
  launch();
  const stop = async () => {
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    if (exited || child.pid === undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };
  const client = openCriClient(endpoint, { timeoutMs: 2_000 });
  try {
    for (let i = 0; ; i++) {
      if (exited) throw new Error(`containerd exited during startup; see ${o.dir}/containerd.log`);
      try {
        await client.runtime("Version")({ version: "v1" });
        break;
      } catch (err) {
        if (i > 300) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.close();
  }
  started = true;
  return {
    endpoint,
    socket,
    get pid() {
      return child.pid ?? 0;
    },
    stop,
  };
}

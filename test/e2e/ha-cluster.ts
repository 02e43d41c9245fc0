/**
 * HA end-to-end helpers: `k8ts server` processes (managed etcd) started on
 * free loopback ports with their own data dirs, killable by PID, plus the
 * `k8ts` CLI and kubectl run against one server. Data dirs live under one
 * temp root the caller removes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nginxStreamConfig } from "../../src/ha/nginx-lb.ts";
import { eventually, onFreePort, runCommand, track, type RunResult } from "./harness.ts";

const k8tsBin = join(import.meta.dirname, "..", "..", "bin", "k8ts");

/** Runs a command to completion (never rejects); `env` adds to ours. */
export const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  runCommand(cmd, args, { env });

/** Runs `k8ts ARGS`. */
export const k8ts = (args: string[], env?: Record<string, string>) =>
  run(process.execPath, [k8tsBin, ...args], env);

export interface HaServer {
  name: string;
  dataDir: string;
  port: number;
  url: string;
  kubeconfig: string;
  readonly pid: number;
  readonly exited: boolean;
  logs(): string;
  kubectl(args: string[]): Promise<RunResult>;
  /** Sends a signal to the server process and waits for its exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export { track };

export interface SimulatedAgent {
  child: ChildProcess;
  /** Everything it printed so far. */
  log(): string;
  /**
   * The server list its balancer last logged: at start ("load balancer URL
   * over host:port, ...") or refreshed from the endpoints ("API servers:
   * URL, ... (fallback URL)"), as sorted URLs joined by ", ".
   */
  serverList(): string;
}

/**
 * Starts `k8ts agent JOIN_ARGS` (the arguments of `k8ts token create
 * --print-join-command` after `k8ts agent`) as node `nodeName` with the
 * simulated runtime and a kubelet on a port of its own choice; tracked.
 */
export function startSimulatedAgent(
  joinArgs: string[],
  dataDir: string,
  nodeName: string,
): SimulatedAgent {
  let output = "";
  const child = spawn(
    process.execPath,
    [
      k8tsBin,
      "agent",
      ...joinArgs,
      "--data-dir",
      dataDir,
      "--node-name",
      nodeName,
      "--container-runtime",
      "simulated",
      "--kubelet-port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  track(child);
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  return {
    child,
    log: () => output,
    serverList() {
      const lines = [...output.matchAll(/(?:load balancer \S+ over|API servers:) ([^\n]*)/g)];
      return (lines.at(-1)?.[1]?.split(" (fallback")[0] ?? "")
        .split(", ")
        .filter(Boolean)
        .map((s) => (s.startsWith("https://") ? s : `https://${s}`))
        .sort()
        .join(", ");
    },
  };
}

/**
 * Starts `k8ts server --disable-agent` named `name` and waits for /readyz
 * through kubectl. With `host`, the server binds and advertises that
 * address (e.g. 127.0.0.3). With `port` it listens there; without, it binds
 * a free port itself and its "listening on" line says which (a port chosen
 * here and released could be taken first, by its own etcd member even).
 */
export async function startHaServer(
  name: string,
  dataDir: string,
  args: string[],
  at: { host?: string; port?: number } = {},
): Promise<HaServer> {
  const host = at.host ?? "127.0.0.1";
  const address = at.host ? ["--bind-address", host, "--advertise-address", host] : [];
  let output = "";
  let stdout = "";
  const child: ChildProcess = spawn(
    process.execPath,
    [
      k8tsBin,
      "server",
      "--disable-agent",
      "--data-dir",
      dataDir,
      "--secure-port",
      String(at.port ?? 0),
      "--node-name",
      name,
      ...address,
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  track(child);
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exitedP = new Promise<void>((r) => child.once("exit", () => r()));
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  const server: HaServer = {
    name,
    dataDir,
    port: at.port ?? 0,
    url: "",
    kubeconfig,
    get pid() {
      return child.pid!;
    },
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    logs: () => output,
    kubectl: (a) =>
      run("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout", "20s", ...a], {}),
    async kill(signal) {
      if (!server.exited) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exitedP;
        clearTimeout(timer);
      }
    },
  };
  try {
    // A whole stdout line (not one cut between reads, nor one interleaved with stderr).
    const listening = new RegExp(`listening on https://${host.replaceAll(".", "\\.")}:(\\d+)\\n`);
    server.port = await eventually(
      `server ${name} listening`,
      async () => {
        if (server.exited) throw new Error(`server ${name} exited:\n${output}`);
        const port = Number(listening.exec(stdout)?.[1] ?? 0);
        return port && (!at.port || port === at.port) ? port : undefined;
      },
      // A server with a managed etcd member, or a restart opening a restored datastore, on a
      // machine at load 30: 90 s was seen to run out (ha-datastore's restart, session 16).
      { timeoutMs: 180_000, context: () => output },
    );
    server.url = `https://${host}:${server.port}`;
    await eventually(`server ${name} ready`, async () => {
      const r = await server.kubectl(["get", "--raw", "/readyz"]);
      return r.code === 0 ? true : undefined;
    });
  } catch (err) {
    await server.kill("SIGKILL");
    throw err;
  }
  return server;
}

/**
 * Stops each server (SIGTERM, SIGKILL after 15 s), then its managed etcd
 * member if the server could not: the member is still ours to stop.
 */
export async function stopServers(servers: HaServer[]): Promise<void> {
  for (const s of servers) {
    const member = await etcdPid(s.dataDir).catch(() => 0);
    await s.kill("SIGTERM");
    if (member && alive(member)) process.kill(member, "SIGKILL");
  }
}

/** The PID of a server's managed etcd member (from <data-dir>/etcd/etcd.pid). */
export async function etcdPid(dataDir: string): Promise<number> {
  return Number((await readFile(join(dataDir, "etcd", "etcd.pid"), "utf8")).trim());
}

/** True while a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian's nginx (stream module) balancing over the servers' URLs on a free
 * 127.0.0.1 port, in the foreground as our child; stop() ends it (master
 * and worker) and waits. nginx cannot bind port 0 and tell which port it
 * got, so the port is chosen here, and chosen again when something else
 * took it before nginx could bind it.
 */
export async function startNginx(
  servers: string[],
  dir: string,
): Promise<{ url: string; logs(): string; stop(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  return onFreePort((port) => startNginxOn(port, servers, dir));
}

async function startNginxOn(
  port: number,
  servers: string[],
  dir: string,
): Promise<{ url: string; logs(): string; stop(): Promise<void> }> {
  const conf = join(dir, "nginx.conf");
  const errorLog = join(dir, "error.log");
  const pidFile = join(dir, "nginx.pid");
  await rm(pidFile, { force: true });
  await writeFile(
    conf,
    nginxStreamConfig({ servers, listen: `127.0.0.1:${port}`, pidFile, errorLog }),
  );
  let output = "";
  const child = spawn("nginx", ["-c", conf, "-p", dir, "-e", errorLog, "-g", "daemon off;"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  const logs = () => output;
  // nginx writes its pid file once its listening socket is bound (a connect
  // could reach whatever else holds the port); it exits when the bind fails.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pid = await readFile(pidFile, "utf8").catch(() => "");
    if (pid.trim() === String(child.pid)) break;
    const failed =
      child.exitCode !== null || child.signalCode !== null
        ? "exited"
        : Date.now() > deadline
          ? "not listening within 60 s"
          : "";
    if (failed) {
      await stop();
      const log = await readFile(errorLog, "utf8").catch(() => "");
      throw new Error(`nginx ${failed}: ${output}${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `https://127.0.0.1:${port}`, logs, stop };
}

/**
 * HA end-to-end helpers: `k8ts server` processes (managed etcd) started on
 * free loopback ports with their own data dirs, killable by PID, plus the
 * `k8ts` CLI and kubectl run against one server. Data dirs live under one
 * temp root the caller removes.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo, type Server } from "node:net";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nginxStreamConfig } from "../../src/ha/nginx-lb.ts";
import { eventually, freePort } from "./harness.ts";

const k8tsBin = join(import.meta.dirname, "..", "..", "bin", "k8ts");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects). */
export function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

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

/** Every child process started here and still running (a registry for the exit guard). */
const running = new Set<ChildProcess>();
let guarded = false;

/**
 * Tracks child until it exits. If this test process is ended early (the
 * runner's file timeout sends SIGTERM; after() hooks then never run), every
 * tracked child is killed so no server, agent or nginx outlives the test
 * (a killed server's etcd member stops by its own watchdog).
 */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (guarded) return;
  guarded = true;
  const killAll = () => {
    for (const c of running) c.kill("SIGKILL");
  };
  process.once("exit", killAll);
  for (const sig of ["SIGTERM", "SIGINT"] as const)
    process.once(sig, () => {
      killAll();
      process.exit(1);
    });
}

/** A port free on every one of hosts at once (servers on distinct addresses sharing a port). */
export async function freePortOn(hosts: string[]): Promise<number> {
  let last: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const held: Server[] = [];
    try {
      let port = 0;
      for (const host of hosts) {
        const s = createServer();
        held.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once("error", reject);
          s.listen(port, host, () => resolve());
        });
        port = (s.address() as AddressInfo).port;
      }
      return port;
    } catch (err) {
      last = err;
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
  }
  throw new Error(`No port free on all of ${hosts.join(", ")}: ${String(last)}`);
}

/**
 * Starts `k8ts server --disable-agent` named `name` and waits for /readyz
 * through kubectl. With `host`, the server binds and advertises that
 * address (e.g. 127.0.0.3) on `port`.
 */
export async function startHaServer(
  name: string,
  dataDir: string,
  args: string[],
  at: { host?: string; port?: number } = {},
): Promise<HaServer> {
  const port = at.port ?? (await freePort());
  const host = at.host ?? "127.0.0.1";
  const address = at.host ? ["--bind-address", host, "--advertise-address", host] : [];
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    [
      k8tsBin,
      "server",
      "--disable-agent",
      "--data-dir",
      dataDir,
      "--secure-port",
      String(port),
      "--node-name",
      name,
      ...address,
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  track(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exitedP = new Promise<void>((r) => child.once("exit", () => r()));
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  const server: HaServer = {
    name,
    dataDir,
    port,
    url: `https://${host}:${port}`,
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
    await eventually(
      `server ${name} listening`,
      async () => {
        if (server.exited) throw new Error(`server ${name} exited:\n${output}`);
        return output.includes(`listening on ${server.url}`) ? true : undefined;
      },
      { timeoutMs: 90_000, context: () => output },
    );
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
 * and worker) and waits.
 */
export async function startNginx(
  servers: string[],
  dir: string,
): Promise<{ url: string; logs(): string; stop(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  const errorLog = join(dir, "error.log");
  await writeFile(
    conf,
    nginxStreamConfig({
      servers,
      listen: `127.0.0.1:${port}`,
      pidFile: join(dir, "nginx.pid"),
      errorLog,
    }),
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
  const url = `https://127.0.0.1:${port}`;
  try {
    await eventually(
      "nginx listening",
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${output}`);
        const { connect } = await import("node:net");
        return new Promise<boolean | undefined>((resolve) => {
          const s = connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
          s.once("error", () => resolve(undefined));
        });
      },
      { context: () => output },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, logs: () => output, stop };
}

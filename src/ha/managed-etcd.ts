/**
 * A supervised etcd member: the system `etcd` binary run as a child process
 * with the flags a production member uses (TLS for clients and peers with
 * client-certificate auth on both, the etcd CA as trust root, explicit
 * URLs, initial cluster, data dir, snapshot count). If it exits while the
 * member should run, it is started again after a backoff (1 s doubling to
 * 30 s, reset after a minute of uptime).
 *
 * The member must not outlive its server (a killed server takes its member
 * down, as k3s's embedded etcd): a tiny watchdog shell, whose stdin is a pipe
 * from this process, kills etcd when that pipe closes, which the kernel does
 * however this process ends, SIGKILL included.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, fstatSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { realClock, type Clock, type TimerHandle } from "../client/clock.ts";
import type { EtcdMemberPki } from "./etcd-pki.ts";
import { clientUrl, etcdDir, peerUrl, type EtcdMemberConfig } from "./etcd-member-config.ts";

export interface ManagedEtcdOptions {
  /** The server's data dir; the member lives in <dataDir>/etcd/ (data/, etcd.log, etcd.pid). */
  dataDir: string;
  member: EtcdMemberConfig;
  pki: EtcdMemberPki;
  /** name=peerURL,... of every member, this one included (used only on first start). */
  initialCluster: string;
  /** "new" for the first member of a cluster, "existing" for a member joining one. */
  initialClusterState: "new" | "existing";
  /** --snapshot-count (default 10000, etcd 3.5's default). */
  snapshotCount?: number;
  /** Path of the etcd binary (default $ETCD_BIN or "etcd"). */
  binary?: string;
  /** How long start() waits for the member to report healthy (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * Ports chosen just now for a member that never ran: when etcd exits
   * before its first healthy answer because a port was taken meanwhile,
   * start() rejects with EtcdPortInUseError (no restart) so the caller can
   * choose others. Otherwise (ports in use before: an old etcd may still be
   * exiting) such exits are restarted as any other.
   */
  failOnPortInUse?: boolean;
  clock?: Clock;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The data directory etcd keeps its WAL and snapshots in. */
export const etcdDataDir = (dataDir: string) => join(etcdDir(dataDir), "data");

/** The command-line flags of the member (pure; see ManagedEtcdOptions). */
export function etcdArgs(opts: ManagedEtcdOptions): string[] {
  const { member, pki } = opts;
  return [
    `--name=${member.name}`,
    `--data-dir=${etcdDataDir(opts.dataDir)}`,
    `--listen-client-urls=${clientUrl(member)}`,
    `--advertise-client-urls=${clientUrl(member)}`,
    `--listen-peer-urls=${peerUrl(member)}`,
    `--initial-advertise-peer-urls=${peerUrl(member)}`,
    `--initial-cluster=${opts.initialCluster}`,
    `--initial-cluster-state=${opts.initialClusterState}`,
    "--initial-cluster-token=k8ts-etcd-cluster",
    `--cert-file=${pki.serverCertFile}`,
    `--key-file=${pki.serverKeyFile}`,
    `--trusted-ca-file=${pki.caFile}`,
    "--client-cert-auth=true",
    `--peer-cert-file=${pki.peerCertFile}`,
    `--peer-key-file=${pki.peerKeyFile}`,
    `--peer-trusted-ca-file=${pki.caFile}`,
    "--peer-client-cert-auth=true",
    `--snapshot-count=${opts.snapshotCount ?? 10000}`,
    // Room for the API server's 1.5 MiB objects plus key and framing.
    `--max-request-bytes=${2 * 1024 * 1024}`,
    "--logger=zap",
    "--log-outputs=stderr",
  ];
}

/** etcd could not bind one of its URLs: another process holds the port. */
export class EtcdPortInUseError extends Error {
  /** The address etcd reported, host:port. */
  readonly address: string;
  constructor(address: string) {
    super(`etcd cannot listen on ${address}: the port is in use`);
    this.address = address;
  }
}

/** The address of a bind failure in etcd's log text, if any. */
export function portInUse(log: string): string | undefined {
  return /listen tcp (\S+): bind: address already in use/.exec(log)?.[1];
}

export class ManagedEtcd {
  readonly #opts: ManagedEtcdOptions;
  readonly #clock: Clock;
  #child: ChildProcess | undefined;
  #watchdog: ChildProcess | undefined;
  #stopping = false;
  #backoffMs = 1000;
  #startedAt = 0;
  #restartTimer: TimerHandle | undefined;
  #restarts = 0;
  /** True from start() until the member first answered healthy. */
  #starting = false;
  /** Set when a start failed for good (failOnPortInUse); waitHealthy rejects with it. */
  #startFailure: Error | undefined;

  constructor(opts: ManagedEtcdOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
  }

  /** Client URL of this member. */
  get endpoint(): string {
    return clientUrl(this.#opts.member);
  }

  /** PID of the running etcd, or undefined between restarts. */
  get pid(): number | undefined {
    return this.#running() ? this.#child!.pid : undefined;
  }

  #running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** How many times the supervisor restarted etcd. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Starts etcd and resolves once it answers /health with health true. */
  async start(): Promise<void> {
    await mkdir(etcdDir(this.#opts.dataDir), { recursive: true, mode: 0o700 });
    this.#starting = true;
    try {
      await this.#launch();
      await this.waitHealthy(this.#opts.readyTimeoutMs ?? 60_000);
    } finally {
      this.#starting = false;
    }
  }

  async #launch(): Promise<void> {
    const dir = etcdDir(this.#opts.dataDir);
    const logFd = openSync(join(dir, "etcd.log"), "a");
    // This run's lines start here (the log is appended to across runs).
    const logFrom = fstatSync(logFd).size;
    const binary = this.#opts.binary ?? process.env.ETCD_BIN ?? "etcd";
    const child = spawn(binary, etcdArgs(this.#opts), { stdio: ["ignore", logFd, logFd] });
    closeSync(logFd);
    this.#child = child;
    this.#startedAt = this.#clock.now();
    // Before any await: etcd failing at once (a port taken) may exit right after its spawn.
    child.once("exit", (code, signal) => this.#exited(child, logFrom, code, signal));
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) => reject(new Error(`Cannot start etcd: ${err.message}`)));
    });
    if (child.exitCode === null && child.signalCode === null) {
      // Kills etcd once our end of its stdin pipe closes, i.e. when this process ends.
      const watchdog = spawn("sh", ["-c", `cat >/dev/null; kill -TERM ${child.pid} 2>/dev/null`], {
        stdio: ["pipe", "ignore", "ignore"],
      });
      watchdog.on("error", () => {});
      watchdog.stdin?.on("error", () => {});
      this.#watchdog = watchdog;
    }
    await writeFile(join(dir, "etcd.pid"), `${child.pid}\n`);
  }

  #exited(child: ChildProcess, logFrom: number, code: number | null, signal: string | null): void {
    if (child !== this.#child) return;
    this.#stopWatchdog();
    if (!this.#starting || !this.#opts.failOnPortInUse) return this.#onExit(code, signal);
    // Decided once the log is read: a start that ended meanwhile (it can only
    // have failed, see waitHealthy) leaves a supervised member, restarted.
    this.#bindFailure(logFrom).then(
      (address) => {
        if (address === undefined || !this.#starting) return this.#onExit(code, signal);
        this.#startFailure = new EtcdPortInUseError(address);
      },
      () => this.#onExit(code, signal),
    );
  }

  /** The address etcd could not bind in its log since byte `from`, if that is why it exited. */
  async #bindFailure(from: number): Promise<string | undefined> {
    const log = await readFile(join(etcdDir(this.#opts.dataDir), "etcd.log"));
    return portInUse(log.subarray(from).toString("utf8"));
  }

  #onExit(code: number | null, signal: string | null): void {
    if (this.#stopping) return;
    if (this.#clock.now() - this.#startedAt > 60_000) this.#backoffMs = 1000;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, 30_000);
    this.#opts.log?.("etcd exited; restarting", { code, signal, inMs: delay });
    this.#restartTimer = this.#clock.after(delay, () => {
      if (this.#stopping) return;
      this.#restarts++;
      this.#launch().catch((err) =>
        this.#opts.log?.("etcd restart failed", { err: (err as Error).message }),
      );
    });
  }

  #stopWatchdog(): void {
    const w = this.#watchdog;
    this.#watchdog = undefined;
    if (w && w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
  }

  /**
   * Polls /health until etcd reports healthy; rejects after timeoutMs with the
   * log tail. A healthy answer counts only while our etcd runs: after it
   * exited, whoever else holds its client port may be answering.
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = this.#clock.now() + timeoutMs;
    let last = "";
    while (this.#clock.now() < deadline) {
      if (this.#startFailure) throw this.#startFailure;
      if (this.#stopping) throw new Error("etcd stopped while waiting for it");
      try {
        const healthy = await memberHealthy(this.endpoint, this.#opts.pki);
        if (healthy && this.#running()) return;
        last = healthy ? "healthy, but etcd is not running" : "health false";
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise<void>((r) => this.#clock.after(200, r));
    }
    const log = await readFile(join(etcdDir(this.#opts.dataDir), "etcd.log"), "utf8").catch(
      () => "",
    );
    throw new Error(`etcd not healthy after ${timeoutMs} ms (${last}):\n${log.slice(-2000)}`);
  }

  /** Stops etcd (SIGTERM, SIGKILL after 10 s) and the supervisor. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#restartTimer?.cancel();
    this.#stopWatchdog();
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = this.#clock.after(10_000, () => child.kill("SIGKILL"));
    await exited;
    timer.cancel();
    await rm(join(etcdDir(this.#opts.dataDir), "etcd.pid"), { force: true });
  }
}

/** GET /health of one member with the client certificate; true when etcd says healthy. */
export async function memberHealthy(
  endpoint: string,
  tls: { caFile: string; clientCertFile: string; clientKeyFile: string },
  timeoutMs = 3000,
): Promise<boolean> {
  const [ca, cert, key] = await Promise.all([
    readFile(tls.caFile),
    readFile(tls.clientCertFile),
    readFile(tls.clientKeyFile),
  ]);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(
      new URL("/health", endpoint),
      { ca, cert, key, timeout: timeoutMs },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve(text));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("health check timed out")));
    req.on("error", reject);
    req.end();
  });
  return body.includes('"health":"true"');
}

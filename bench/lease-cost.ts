/**
 * The CPU cost of one node Lease renewal on each side (issue 11): one
 * `k8ts server --disable-agent` per build given, and per build a client
 * process (bench/lib/lease-cost-client.mjs, running that build's simulator
 * LeaseRenewer over TLS) with N Nodes and their Leases, renewing them at R
 * renewals/s. Phases alternate over rounds and builds, so a load change on
 * a shared machine hits every build alike. Per phase: the server's CPU per
 * renewal from /proc (10 ms ticks) for the process, its main thread, and its
 * busiest other thread (the components thread when they run: the node
 * lifecycle's Lease informer), each minus its idle rate measured just before
 * that phase (--idle-seconds, 5: a server still busy with start-up work when
 * a single idle figure was taken gave negative costs per renewal later);
 * the client's CPU per renewal (process.cpuUsage); PUT latency p50/p99.
 *
 *   tsx bench/lease-cost.ts [--k8ts ROOT]... [--backend sqlite|etcd]... [--nodes N]
 *     [--rate R] [--seconds S] [--idle-seconds I] [--rounds K] [--no-components] [--cpu-prof-dir DIR]
 *     [--threads] [--perf FILE] [--client-cpu-prof-dir DIR]
 *
 * --k8ts names a checkout with a built dist (default: this one); give two to
 * A/B builds. --backend picks the server's store (default sqlite: the
 * embedded one; etcd: a real single-member etcd started per server on
 * loopback, whose CPU per renewal is reported too); give both to compare the
 * stores in the same minutes (every build runs on every backend given). --no-components starts the servers without the controller
 * manager and the scheduler (no watcher of Leases). --cpu-prof-dir writes the
 * servers' main-thread V8 profiles of each phase; --threads prints each
 * server thread's CPU per renewal (and its lifetime user share) per phase;
 * --perf FILE records the first build's server over the rounds with Linux
 * perf (JavaScript named through --perf-basic-prof; map in /tmp);
 * --client-cpu-prof-dir DIR writes each client's V8 profile (its whole life,
 * registration included) under DIR/A, DIR/B... Only 127.0.0.1; everything
 * started is removed.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { K8TS_NODE_FLAGS } from "../src/util/node-flags.ts";
import { freePort } from "../test/e2e/harness.ts";
import { flag, flags, progress } from "./lib/args.ts";
import { InspectorSession, inspectorUrl } from "./lib/inspector.ts";
import { procStat, processCpuMs } from "./lib/proc-stat.ts";
import { printTable, type Row } from "./lib/table.ts";
import { startEtcd, type EtcdProcess } from "../src/storage/testing/etcd-process.ts";

const here = dirname(fileURLToPath(import.meta.url));
const roots = flags("k8ts").map((r) => resolve(r));
if (roots.length === 0) roots.push(join(here, ".."));
const backends = flags("backend");
if (backends.length === 0) backends.push("sqlite");
for (const b of backends)
  if (b !== "sqlite" && b !== "etcd")
    throw new Error(`Cannot parse --backend ${b}: want sqlite or etcd`);
const nodes = Number(flag("nodes", "200"));
const rate = Number(flag("rate", "200"));
const seconds = Number(flag("seconds", "20"));
const rounds = Number(flag("rounds", "3"));
const idleMs = 1000 * Number(flag("idle-seconds", "5"));
const components = !process.argv.includes("--no-components");
const profDir = flag("cpu-prof-dir");
const showThreads = process.argv.includes("--threads");
const perfFile = flag("perf");
const clientProfDir = flag("client-cpu-prof-dir");
const log = (m: string) => progress("lease-cost", m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms of every thread of a process, by thread id. */
function threadsCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), processCpuMs(pid, Number(tid)));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** CPU ms between two readings: the main thread, the busiest other thread, all. */
function split(pid: number, a: Map<number, number>, b: Map<number, number>) {
  let all = 0;
  let top = 0;
  for (const [tid, ms] of b) {
    const d = ms - (a.get(tid) ?? 0);
    all += d;
    if (tid !== pid) top = Math.max(top, d);
  }
  return { all, main: b.get(pid)! - (a.get(pid) ?? 0), top };
}

type Done = {
  type: "done";
  renewals: number;
  errors: number;
  /** TLS connections the client opened (handshakes). */
  connects: number;
  cpuMs: number;
  latencies: [number, number];
};

/** CPU ms of a process (all threads) from /proc; NaN when there is none. */
function pidCpuMs(pid: number | undefined): number {
  return pid === undefined ? NaN : processCpuMs(pid);
}

/** One build: its server and its renewing client. */
class Target {
  readonly dataDir = mkdtempSync(join(tmpdir(), "k8ts-lease-cost-"));
  server!: ChildProcess;
  client?: ChildProcess;
  out = "";
  /** The server's inspector address, kept once printed. */
  url?: string;
  idle = { all: 0, main: 0, top: 0, etcd: 0 };
  inspector?: InspectorSession;
  /** The server's etcd (--backend etcd). */
  etcd?: EtcdProcess;
  private messages: unknown[] = [];
  private wake = () => {};

  constructor(
    readonly label: string,
    readonly root: string,
    readonly backend: string,
  ) {}

  async start(): Promise<void> {
    const port = await freePort();
    const data = join(this.dataDir, "data");
    if (this.backend === "etcd") this.etcd = await startEtcd({ parentDir: this.dataDir });
    const store = this.etcd ? ["--datastore-endpoint", this.etcd.endpoints.join(",")] : [];
    this.server = spawn(
      process.execPath,
      [
        ...(profDir ? ["--inspect=127.0.0.1:0"] : []),
        ...(perfFile ? ["--perf-basic-prof"] : []),
        ...K8TS_NODE_FLAGS,
        join(this.root, "bin", "k8ts"),
        "server",
        "--disable-agent",
        ...(components ? [] : ["--disable-scheduler", "--disable-controller-manager"]),
        "--data-dir",
        data,
        ...store,
        "--bind-address",
        "127.0.0.1",
        "--secure-port",
        String(port),
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, K8TS_LOG_LEVEL: "warn" } },
    );
    const keep = (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-100_000);
      this.url ??= inspectorUrl(this.out);
    };
    this.server.stdout!.on("data", keep);
    this.server.stderr!.on("data", keep);
    const kubeconfig = join(data, "admin.kubeconfig");
    for (let i = 0; ; i++) {
      if (this.server.exitCode !== null) throw new Error(`${this.label} exited:\n${this.out}`);
      if (this.out.includes("export KUBECONFIG=")) break;
      if (i > 1200) throw new Error(`${this.label} did not start:\n${this.out}`);
      await sleep(100);
    }
    this.client = fork(
      join(here, "lib", "lease-cost-client.mjs"),
      [this.root, kubeconfig, String(nodes)],
      // Its whole life: the registration too, then every phase's renewals.
      clientProfDir
        ? { execArgv: ["--cpu-prof", "--cpu-prof-dir", join(clientProfDir, this.label)] }
        : {},
    );
    this.client.on("message", (m) => {
      this.messages.push(m);
      this.wake();
    });
    await this.next();
    if (profDir) {
      if (!this.url) throw new Error(`${this.label} printed no inspector address`);
      this.inspector = await InspectorSession.connect(this.url);
      await this.inspector.releaseAtExit();
    }
  }

  private async next(): Promise<unknown> {
    for (;;) {
      const m = this.messages.shift();
      if (m) return m;
      if (this.client!.exitCode !== null) throw new Error(`${this.label}'s client exited`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 1000);
      });
    }
  }

  /** The server's idle CPU rate (ms per ms of each kind) over `ms`. */
  async measureIdle(ms: number): Promise<void> {
    const pid = this.server.pid!;
    const a = threadsCpuMs(pid);
    const e0 = pidCpuMs(this.etcd?.pid);
    const t0 = performance.now();
    await sleep(ms);
    const d = split(pid, a, threadsCpuMs(pid));
    const e = pidCpuMs(this.etcd?.pid) - e0;
    const t = performance.now() - t0;
    this.idle = { all: d.all / t, main: d.main / t, top: d.top / t, etcd: e / t };
  }

  /** One measured phase: renewals at `rate` for `seconds`. */
  async phase(profile?: string) {
    const pid = this.server.pid!;
    if (profile) await this.inspector?.startProfile();
    const a = threadsCpuMs(pid);
    const e0 = pidCpuMs(this.etcd?.pid);
    const t0 = performance.now();
    this.client!.send({ type: "run", rate, seconds });
    const done = (await this.next()) as Done;
    const b = threadsCpuMs(pid);
    const e = pidCpuMs(this.etcd?.pid) - e0;
    const d = split(pid, a, b);
    const t = performance.now() - t0;
    if (showThreads) this.printThreads(a, b, done.renewals);
    if (profile) await this.inspector?.stopProfile(profile);
    const per = (ms: number, idle: number) => (ms - idle * t) / Math.max(1, done.renewals);
    return {
      renewals: done.renewals,
      errors: done.errors,
      connects: done.connects,
      server: per(d.all, this.idle.all),
      main: per(d.main, this.idle.main),
      top: per(d.top, this.idle.top),
      etcd: per(e, this.idle.etcd),
      idle: this.idle.all,
      client: done.cpuMs / Math.max(1, done.renewals),
      p50: done.latencies[0],
      p99: done.latencies[1],
      load: loadavg()[0]!,
    };
  }

  /** Every thread's CPU per renewal (µs) over a phase, busiest first, with its user share. */
  private printThreads(a: Map<number, number>, b: Map<number, number>, renewals: number) {
    const pid = this.server.pid!;
    const rows: Row[] = [];
    for (const [tid, ms] of b) {
      const d = ms - (a.get(tid) ?? 0);
      if (d <= 0) continue;
      let user = NaN;
      try {
        user = procStat(pid, tid).userMs / processCpuMs(pid, tid);
      } catch {
        // ended
      }
      rows.push({ thread: tid === pid ? "main" : tid, "us/renewal": (1000 * d) / renewals, user });
    }
    rows.sort((x, y) => Number(y["us/renewal"]) - Number(x["us/renewal"]));
    printTable(rows);
  }

  async stop(): Promise<void> {
    this.client?.send({ type: "stop" });
    this.inspector?.close();
    if (this.server.exitCode === null && this.server.signalCode === null) {
      const exited = new Promise((r) => this.server.once("exit", r));
      this.server.kill("SIGTERM");
      const timer = setTimeout(() => this.server.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.client && this.client.exitCode === null) this.client.kill("SIGKILL");
    await this.etcd?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

const targets = roots.flatMap((r, i) =>
  backends.map((b, j) => new Target(String.fromCharCode(65 + i * backends.length + j), r, b)),
);
const rows: Row[] = [];
try {
  for (const t of targets) {
    log(
      `${t.label}: starting ${t.root} on ${t.backend} (${nodes} nodes; components ${components ? "on" : "off"})`,
    );
    await t.start();
  }
  await sleep(5000);
  for (const t of targets) {
    await t.measureIdle(5000);
    log(`${t.label}: idle ${(t.idle.all * 100).toFixed(1)}% of a core`);
  }
  if (profDir) mkdirSync(profDir, { recursive: true });
  // A warm-up phase per build (JIT, connections), not counted.
  for (const t of targets) await t.phase();
  // --perf: Linux perf's on-CPU samples of every thread of the first build's server.
  const perf = perfFile
    ? spawn(
        "perf",
        [
          "record",
          "-F",
          "499",
          "-g",
          "-o",
          resolve(perfFile),
          "-p",
          String(targets[0]!.server.pid),
        ],
        {
          stdio: "ignore",
        },
      )
    : undefined;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const file = profDir ? join(profDir, `${t.label}-${r}.cpuprofile`) : undefined;
      await t.measureIdle(idleMs);
      const p = await t.phase(file);
      log(
        `round ${r + 1} ${t.label}: server ${p.server.toFixed(3)} ms/renewal (main ${p.main.toFixed(3)}), ` +
          `${t.etcd ? `etcd ${p.etcd.toFixed(3)}, ` : ""}client ${p.client.toFixed(3)}, ${p.renewals} renewals (load ${p.load.toFixed(1)})`,
      );
      rows.push({ round: r + 1, build: `${t.label} ${t.root} ${t.backend}`, ...fmt(p) });
    }
  }
  if (perf) {
    const done = new Promise((r) => perf.once("exit", r));
    perf.kill("SIGINT");
    await done;
  }
  process.stdout.write(
    `\nlease-cost: ${nodes} nodes, ${rate} renewals/s for ${seconds} s x ${rounds} rounds, ` +
      `components ${components ? "on" : "off"}; CPU ms per renewal above idle\n\n`,
  );
  printTable(rows);
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)} (load ${loadavg()[0]})`);
  process.exitCode = 1;
} finally {
  for (const t of targets) await t.stop();
}

function fmt(p: Awaited<ReturnType<Target["phase"]>>): Row {
  return {
    "server ms": p.server.toFixed(3),
    "main ms": p.main.toFixed(3),
    "idle %": (100 * p.idle).toFixed(1),
    "top other ms": p.top.toFixed(3),
    "etcd ms": Number.isNaN(p.etcd) ? "" : p.etcd.toFixed(3),
    "client ms": p.client.toFixed(3),
    renewals: p.renewals,
    errors: p.errors,
    "TLS connects": p.connects,
    "p50/p99 ms": `${p.p50.toFixed(1)} / ${p.p99.toFixed(1)}`,
    load: p.load.toFixed(1),
  };
}

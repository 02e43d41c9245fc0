/**
 * The API server's CPU per request for small requests, to see the request
 * path's fixed cost (HTTP parse, authentication, authorization, routing,
 * body read, response write, metrics) apart from storage: one
 * `k8ts server --disable-agent` (no scheduler or controllers) per build given,
 * phases alternating over rounds and builds, so a load change on a shared
 * machine hits every phase and build alike. CPU is read from /proc (10 ms
 * ticks) for the whole process and for its main thread, minus the idle rate
 * measured at the start.
 *
 * Phases (each N requests, C at a time):
 * - livez: GET /livez/ping over TLS (transport floor: no filters, no routing)
 * - get-lease: GET a Lease over TLS as the admin (client certificate)
 * - get-lease-sock: the same over the loopback Unix socket (plain HTTP,
 *   bearer token of a system:masters user)
 * - put-lease: PUT a Lease over TLS as the admin (a renewal, as bench/scale-lease.ts)
 * - put-lease-sock-admin: the same over the socket
 * - put-lease-dry-sock: the same with ?dryRun=All (everything but the
 *   storage commit and the watch fan-out)
 * - put-lease-sock: PUT a node's own Lease as system:node:NAME over the
 *   socket (the Node authorizer, NodeRestriction)
 * - get-node-sock: GET a Node as system:kube-scheduler over the socket (RBAC)
 * - create-pod: POST a pod (as bench:scheduler's) over TLS as the admin
 * - create-pod-sock: the same over the socket
 * - bind-pod: POST the binding of a pod created by an earlier create phase
 *   (as the scheduler does; list a create phase first)
 * - run-pod: PATCH (as the admin) the status of a pod bound by an earlier bind-pod
 *   phase to Running as its kubelet does (conditions, IPs, a container status),
 *   so the delete phases see pods of a running cluster's size
 * - delete-pod: DELETE a pod bound by an earlier bind-pod phase as the
 *   garbage collector does (propagationPolicy Background, uid
 *   precondition): it is marked with a 30 s grace period
 * - delete-pod-final: DELETE a pod marked by an earlier delete-pod phase as
 *   its kubelet does when it stopped (gracePeriodSeconds 0, uid
 *   precondition): it goes. The pods' watch cache runs (a list at start),
 *   as in a cluster, with no watcher
 * - create-event: POST an events.k8s.io Event as the scheduler's Scheduled one
 *
 *   tsx bench/request-cost.ts [--k8ts ROOT[@lean|@node]]... [--requests N] [--rounds R]
 *     [--concurrency C] [--phases a,b] [--cpu-prof-dir DIR] [--perf FILE]
 *     [--server-node-arg ARG]... [--server-log FILE]
 *
 * --k8ts names a checkout with a built dist (default: this one); give two to
 * A/B builds. A suffix @lean or @node picks that build's HTTP path
 * (K8TS_NODE_HTTP=0 or 1), so one build can be A/B'd against itself:
 * `--k8ts DIR@node --k8ts DIR@lean`. --perf FILE records the first build's server with Linux perf
 * (on-CPU samples of every thread) over the rounds: the V8 profile samples
 * wall time and under load charges preemption to socket writes. JavaScript
 * is named through --perf-basic-prof, whose map goes stale as V8 reuses code
 * addresses (callers named wrongly); with `--server-node-arg --perf-prof` the
 * server writes a jitdump instead (moved to the temp dir as jit-PID.dump at
 * the end; put it back under the path `perf script --show-mmap-events`
 * names, then `perf inject --jit`). --server-node-arg passes a Node flag to
 * the servers (--trace-opt, --trace-deopt...), --server-log FILE appends each
 * server's output to FILE.A, FILE.B... Only 127.0.0.1 and Unix sockets;
 * everything else started is removed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KObject } from "../src/api/types.ts";
import { loadKubeconfig, type ClientConfig } from "../src/client/kubeconfig.ts";
import { leasesRef, nodesRef, podsRef } from "../src/client/resources.ts";
import { RestClient, resourcePath, type ResourceRef } from "../src/client/rest-client.ts";
import { K8TS_NODE_FLAGS } from "../src/util/node-flags.ts";
import { freePort } from "../test/e2e/harness.ts";
import { progress } from "./lib/args.ts";
import { InspectorSession, inspectorUrl } from "./lib/inspector.ts";
import { printTable, type Row } from "./lib/table.ts";
import { procStat, processCpuMs } from "./lib/proc-stat.ts";
import { benchPod, microTime, rfc3339Now, scheduledEvent } from "./lib/request-fixtures.ts";
import { runningStatus } from "./memory-objects.ts";

const PHASES = [
  "livez",
  "get-lease",
  "get-lease-sock",
  "put-lease",
  "put-lease-sock-admin",
  "put-lease-dry-sock",
  "put-lease-sock",
  "get-node-sock",
  "create-pod",
  "create-pod-sock",
  "bind-pod",
  "run-pod",
  "delete-pod",
  "delete-pod-final",
  "create-event",
] as const;
type Phase = (typeof PHASES)[number];

function parseArgs(argv: string[]) {
  const args = {
    roots: [] as string[],
    requests: 2000,
    rounds: 3,
    concurrency: 4,
    phases: [...PHASES] as Phase[],
    cpuProfDir: undefined as string | undefined,
    perf: undefined as string | undefined,
    serverNodeArgs: [] as string[],
    serverLog: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`Cannot parse ${a}: a value must follow`);
    if (a === "--k8ts") args.roots.push(v);
    else if (a === "--requests") args.requests = Number(v);
    else if (a === "--rounds") args.rounds = Number(v);
    else if (a === "--concurrency") args.concurrency = Number(v);
    else if (a === "--cpu-prof-dir") args.cpuProfDir = resolve(v);
    else if (a === "--perf") args.perf = resolve(v);
    else if (a === "--server-node-arg") args.serverNodeArgs.push(v);
    else if (a === "--server-log") args.serverLog = resolve(v);
    else if (a === "--phases") {
      const phases = v.split(",");
      for (const p of phases)
        if (!(PHASES as readonly string[]).includes(p))
          throw new Error(`Cannot parse --phases: unknown phase ${p} (${PHASES.join(", ")})`);
      args.phases = phases as Phase[];
    } else throw new Error(`Cannot parse argument ${a}`);
  }
  if (args.roots.length === 0) args.roots.push(join(dirname(fileURLToPath(import.meta.url)), ".."));
  return args;
}

/** A --k8ts value: the checkout and the HTTP path asked for (K8TS_NODE_HTTP), if any. */
function parseTarget(spec: string): { root: string; nodeHttp?: "0" | "1" } {
  const m = /^(.*)@(lean|node)$/.exec(spec);
  if (!m) return { root: resolve(spec) };
  return { root: resolve(m[1]!), nodeHttp: m[2] === "lean" ? "0" : "1" };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => progress("request-cost", m);

const eventsRef: ResourceRef = {
  group: "events.k8s.io",
  version: "v1",
  resource: "events",
  namespaced: true,
};

const NODES = 16;
const nodeToken = (i: number) => `bench-node-token-${i}`;
const SCHEDULER_TOKEN = "bench-scheduler-token";
const ADMIN_TOKEN = "bench-admin-token";

/** One `k8ts server` of one build, with the clients of every phase. */
class Target {
  readonly dataDir = mkdtempSync(join(tmpdir(), "k8ts-reqcost-"));
  child!: ChildProcess;
  out = "";
  admin!: RestClient;
  adminConfig!: ClientConfig;
  nodes: RestClient[] = [];
  scheduler!: RestClient;
  adminSock!: RestClient;
  leases: KObject[] = [];
  nodeLeases: KObject[] = [];
  inspector?: InspectorSession;
  idlePerMs = 0;
  /** Pods created so far. */
  created = 0;
  /** Names of the created pods not yet bound. */
  unbound: string[] = [];
  /** Pods bound (then marked) by the phases so far, oldest first. */
  bound: string[] = [];
  terminating: string[] = [];
  readonly uids = new Map<string, string>();
  /** Pods made Running by run-pod, deleted before the other bound ones. */
  ran: string[] = [];
  events = 0;

  constructor(
    readonly label: string,
    readonly root: string,
    readonly nodeHttp: "0" | "1" | undefined,
  ) {}

  async start(
    profile: boolean,
    perf: boolean,
    nodeArgs: string[],
    serverLog: string | undefined,
  ): Promise<void> {
    const tokens = join(this.dataDir, "tokens.csv");
    const lines = [
      `${SCHEDULER_TOKEN},system:kube-scheduler,uid-sched`,
      `${ADMIN_TOKEN},bench-admin,uid-admin,"system:masters"`,
    ];
    for (let i = 0; i < NODES; i++)
      lines.push(`${nodeToken(i)},system:node:bench-${i},uid-node-${i},"system:nodes"`);
    writeFileSync(tokens, lines.join("\n") + "\n");
    const port = await freePort();
    this.child = spawn(
      process.execPath,
      [
        ...(profile ? ["--inspect=127.0.0.1:0"] : []),
        ...(perf && !nodeArgs.includes("--perf-prof") ? ["--perf-basic-prof"] : []),
        ...nodeArgs,
        ...K8TS_NODE_FLAGS,
        join(this.root, "bin", "k8ts"),
        "server",
        "--disable-agent",
        "--disable-scheduler",
        "--disable-controller-manager",
        "--data-dir",
        join(this.dataDir, "data"),
        "--bind-address",
        "127.0.0.1",
        "--secure-port",
        String(port),
        "--token-auth-file",
        tokens,
      ],
      {
        // --perf-prof writes its jit-PID.dump into the working directory.
        cwd: this.dataDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          K8TS_LOG_LEVEL: "warn",
          ...(this.nodeHttp === undefined ? {} : { K8TS_NODE_HTTP: this.nodeHttp }),
        },
      },
    );
    const keep = (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-100_000);
      if (serverLog) appendFileSync(`${serverLog}.${this.label}`, d);
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    const kubeconfig = join(this.dataDir, "data", "admin.kubeconfig");
    for (let i = 0; ; i++) {
      if (this.child.exitCode !== null) throw new Error(`${this.label} exited:\n${this.out}`);
      try {
        this.adminConfig ??= { ...loadKubeconfig(kubeconfig), qps: -1 };
        this.admin ??= new RestClient(this.adminConfig);
        await this.admin.get(nodesRef, undefined, "none").catch((err) => {
          if (err?.code !== 404) throw err;
        });
        break;
      } catch {
        if (i > 600) throw new Error(`${this.label} did not answer:\n${this.out}`);
        await sleep(200);
      }
    }
    // The pods' watch cache runs, as in a cluster (a list starts it).
    await this.admin.request("GET", resourcePath(podsRef, "default"), { ignoreAnswer: true });
    const socketPath = join(this.dataDir, "data", "apiserver.sock");
    const viaSocket = (token: string) =>
      new RestClient({ server: "http://localhost", socketPath, token, qps: -1 });
    for (let i = 0; i < NODES; i++) this.nodes.push(viaSocket(nodeToken(i)));
    this.scheduler = viaSocket(SCHEDULER_TOKEN);
    this.adminSock = viaSocket(ADMIN_TOKEN);
    for (let i = 0; i < NODES; i++) {
      await this.admin.create(nodesRef, undefined, {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: `bench-${i}` },
      });
      const lease = (name: string) => ({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: "kube-node-lease" },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
      });
      this.leases.push(await this.admin.create(leasesRef, "kube-node-lease", lease(`admin-${i}`)));
      this.nodeLeases.push(
        await this.nodes[i]!.create(leasesRef, "kube-node-lease", lease(`bench-${i}`)),
      );
    }
    if (profile) {
      const url = inspectorUrl(this.out);
      if (!url) throw new Error(`${this.label} printed no inspector address`);
      this.inspector = await InspectorSession.connect(url);
      await this.inspector.releaseAtExit();
    }
  }

  /** The idle CPU rate (ms per ms) over `ms`. */
  async measureIdle(ms: number): Promise<void> {
    const c0 = processCpuMs(this.child.pid!);
    const t0 = performance.now();
    await sleep(ms);
    this.idlePerMs = (processCpuMs(this.child.pid!) - c0) / (performance.now() - t0);
  }

  /** Runs request `i` of a phase. */
  async request(phase: Phase, i: number): Promise<void> {
    const slot = i % NODES;
    switch (phase) {
      case "livez":
        await this.admin.request("GET", "/livez/ping", { ignoreAnswer: true });
        return;
      case "get-lease":
        await this.admin.get(leasesRef, "kube-node-lease", `admin-${slot}`);
        return;
      case "get-lease-sock":
        await this.adminSock.get(leasesRef, "kube-node-lease", `admin-${slot}`);
        return;
      case "put-lease-dry-sock": {
        const lease = this.leases[slot]!;
        (lease.spec as Record<string, unknown>).renewTime = microTime();
        await this.adminSock.update(leasesRef, lease, { dryRun: true });
        return;
      }
      case "put-lease":
      case "put-lease-sock-admin": {
        const lease = this.leases[slot]!;
        (lease.spec as Record<string, unknown>).renewTime = microTime();
        const client = phase === "put-lease" ? this.admin : this.adminSock;
        this.leases[slot] = await client.update(leasesRef, lease);
        return;
      }
      case "put-lease-sock": {
        const lease = this.nodeLeases[slot]!;
        (lease.spec as Record<string, unknown>).renewTime = microTime();
        this.nodeLeases[slot] = await this.nodes[slot]!.update(leasesRef, lease);
        return;
      }
      case "get-node-sock":
        await this.scheduler.get(nodesRef, undefined, `bench-${slot}`);
        return;
      case "create-pod":
      case "create-pod-sock": {
        const client = phase === "create-pod" ? this.admin : this.adminSock;
        const name = `${phase}-${this.created++}`;
        const pod = await client.create(podsRef, "default", benchPod(name));
        this.uids.set(name, pod.metadata?.uid ?? "");
        this.unbound.push(name);
        return;
      }
      case "bind-pod": {
        const name = this.unbound.shift();
        if (name === undefined)
          throw new Error("bind-pod: no unbound pods (list a create phase first)");
        await this.admin.request("POST", `${resourcePath(podsRef, "default", name)}/binding`, {
          body: {
            apiVersion: "v1",
            kind: "Binding",
            metadata: { name, namespace: "default" },
            target: { apiVersion: "v1", kind: "Node", name: `bench-${slot}` },
          },
          ignoreAnswer: true,
        });
        this.bound.push(name);
        return;
      }
      case "run-pod": {
        const name = this.bound.shift();
        if (name === undefined) throw new Error("run-pod: no bound pods (list bind-pod first)");
        this.ran.push(name);
        await this.admin.request("PATCH", `${resourcePath(podsRef, "default", name)}/status`, {
          body: runningStatus(this.ran.length, `10.0.${slot}.1`, rfc3339Now(), "pause"),
          contentType: "application/strategic-merge-patch+json",
          ignoreAnswer: true,
        });
        return;
      }
      case "delete-pod":
      case "delete-pod-final": {
        const final = phase === "delete-pod-final";
        const name = (final ? this.terminating : this.ran.length ? this.ran : this.bound).shift();
        if (name === undefined)
          throw new Error(`${phase}: no pods to delete (list bind-pod, then delete-pod, first)`);
        await this.admin.request("DELETE", resourcePath(podsRef, "default", name), {
          body: {
            apiVersion: "v1",
            kind: "DeleteOptions",
            preconditions: { uid: this.uids.get(name) },
            ...(final ? { gracePeriodSeconds: 0 } : { propagationPolicy: "Background" }),
          },
          ignoreAnswer: true,
        });
        if (final) this.uids.delete(name);
        else this.terminating.push(name);
        return;
      }
      case "create-event":
        await this.admin.request("POST", resourcePath(eventsRef, "default"), {
          body: scheduledEvent(`bench-event-${this.events++}`, `bench-${slot}`),
          ignoreAnswer: true,
        });
        return;
    }
  }

  async stop(): Promise<void> {
    this.admin?.close();
    for (const c of this.nodes) c.close();
    this.scheduler?.close();
    this.adminSock?.close();
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    this.inspector?.close();
    // A --perf-prof dump is kept for `perf inject --jit`.
    for (const f of readdirSync(this.dataDir))
      if (f.startsWith("jit-")) renameSync(join(this.dataDir, f), join(tmpdir(), f));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function runPhase(
  t: Target,
  phase: Phase,
  n: number,
  concurrency: number,
): Promise<{ cpu: number; sys: number; main: number; ms: number }> {
  const pid = t.child.pid!;
  const c0 = processCpuMs(pid);
  const s0 = procStat(pid).sysMs;
  const m0 = processCpuMs(pid, pid);
  const t0 = performance.now();
  let next = 0;
  const loop = async () => {
    while (next < n) await t.request(phase, next++);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const ms = performance.now() - t0;
  return {
    cpu: processCpuMs(pid) - c0,
    sys: procStat(pid).sysMs - s0,
    main: processCpuMs(pid, pid) - m0,
    ms,
  };
}

const args = parseArgs(process.argv.slice(2));
if (args.cpuProfDir) mkdirSync(args.cpuProfDir, { recursive: true });
const targets = args.roots.map((spec, i) => {
  const { root, nodeHttp } = parseTarget(spec);
  return new Target(`${String.fromCharCode(65 + i)}`, root, nodeHttp);
});
const load0 = loadavg()[0];
const totals = new Map<string, { cpu: number[]; sys: number[]; main: number[]; rps: number[] }>();
try {
  for (const t of targets) {
    log(`${t.label}: starting ${t.root}`);
    await t.start(
      args.cpuProfDir !== undefined,
      args.perf !== undefined && t === targets[0],
      args.serverNodeArgs,
      args.serverLog,
    );
    // Warm-up: JIT and caches, then the idle rate.
    for (const p of args.phases) await runPhase(t, p, Math.min(500, args.requests), 4);
    await t.measureIdle(3000);
    log(`${t.label}: idle ${(t.idlePerMs * 100).toFixed(1)}% of a core`);
  }
  // Linux perf's on-CPU samples of the first build's server over every round.
  const perf = args.perf
    ? spawn(
        "perf",
        [
          "record",
          "-k",
          "1",
          "-F",
          "999",
          "-g",
          "-o",
          args.perf,
          "-p",
          String(targets[0]!.child.pid),
        ],
        { stdio: "ignore" },
      )
    : undefined;
  for (let round = 0; round < args.rounds; round++) {
    // Alternate which build goes first.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const phase of args.phases)
      for (const t of order) {
        if (args.cpuProfDir) await t.inspector!.startProfile();
        const r = await runPhase(t, phase, args.requests, args.concurrency);
        if (args.cpuProfDir)
          await t.inspector!.stopProfile(
            join(args.cpuProfDir, `${t.label}-${phase}-${round}.cpuprofile`),
          );
        const idle = t.idlePerMs * r.ms;
        const key = `${phase}\u0000${t.label}`;
        const s = totals.get(key) ?? { cpu: [], sys: [], main: [], rps: [] };
        s.cpu.push((r.cpu - idle) / args.requests);
        s.sys.push(r.sys / args.requests);
        s.main.push(r.main / args.requests);
        s.rps.push((args.requests * 1000) / r.ms);
        totals.set(key, s);
        log(
          `round ${round + 1} ${phase} ${t.label}: ${((r.cpu - idle) / args.requests).toFixed(3)} ms/req (load ${loadavg()[0].toFixed(1)})`,
        );
      }
  }
  if (perf) {
    const done = new Promise((r) => perf.once("exit", r));
    perf.kill("SIGINT");
    await done;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows: Row[] = [];
  for (const phase of args.phases)
    for (const t of targets) {
      const s = totals.get(`${phase}\u0000${t.label}`)!;
      rows.push({
        phase,
        build: `${t.label} ${t.root}${t.nodeHttp === undefined ? "" : t.nodeHttp === "0" ? "@lean" : "@node"}`,
        "cpu ms/req mean": mean(s.cpu),
        "min / max": `${Math.min(...s.cpu).toFixed(3)} / ${Math.max(...s.cpu).toFixed(3)}`,
        "of which system": mean(s.sys),
        "main thread ms/req": mean(s.main),
        "req/s": mean(s.rps),
      });
    }
  process.stdout.write(
    `\nrequest-cost: ${args.requests} requests x ${args.rounds} rounds, concurrency ${args.concurrency}, load ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}\n\n`,
  );
  printTable(rows);
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  for (const t of targets) await t.stop();
}

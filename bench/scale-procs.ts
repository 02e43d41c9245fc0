/**
 * The child processes of bench:scale (`k8ts server`, `k8ts simulate`): each
 * runs bin/k8ts under this Node with the V8 inspector on a free loopback
 * port, keeps the tail of its output, and is reachable through an inspector
 * session (heap after GC, CPU profiles of chosen phases).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { InspectorSession, inspectorUrl } from "./lib/inspector.ts";
import { K8TS_NODE_FLAGS } from "../src/util/node-flags.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A started bin/k8ts process. */
export class K8tsChild {
  readonly child: ChildProcess;
  private out = "";
  /** Characters of output received in all. */
  private received = 0;
  private session?: Promise<InspectorSession | undefined>;
  /** Its inspector's address, kept once printed (the output tail drops it in a long run). */
  private url?: string;

  /** Starts `node [nodeArgs] bin/k8ts argv` with K8TS_LOG_LEVEL=warn and the inspector on 127.0.0.1:0. */
  constructor(
    readonly name: string,
    argv: string[],
    nodeArgs: string[],
    private readonly log: (m: string) => void,
  ) {
    this.child = spawn(
      process.execPath,
      [
        "--inspect=127.0.0.1:0",
        ...K8TS_NODE_FLAGS,
        ...nodeArgs,
        join(repoRoot, "bin", "k8ts"),
        ...argv,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, K8TS_LOG_LEVEL: "warn" } },
    );
    const keep = (d: Buffer) => {
      const text = d.toString();
      this.received += text.length;
      this.out += text;
      // The address is one short line: the new chunk and a tail for a line split across chunks.
      this.url ??= inspectorUrl(this.out.slice(-(text.length + 256)));
      if (this.out.length > 200_000) this.out = this.out.slice(-100_000);
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    this.child.once("exit", (code, signal) => log(`${name} exited (${code ?? signal})`));
  }

  /** Its V8 inspector's WebSocket address, once it printed it. */
  inspectorUrl(): string | undefined {
    return this.url;
  }

  /** The tail of its stdout and stderr. */
  output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Its inspector session (connected once), or undefined when the address is
   * unknown or refused. The session lets the child exit (releaseAtExit):
   * otherwise a stopped child would wait in process.exit for it to go.
   */
  inspector(): Promise<InspectorSession | undefined> {
    if (!this.session) {
      const url = this.url;
      if (!url) return Promise.resolve(undefined);
      this.session = InspectorSession.connect(url).then(
        (s) =>
          s.releaseAtExit().then(
            () => s,
            () => (s.close(), undefined),
          ),
        () => undefined,
      );
    }
    return this.session;
  }

  /** JS heap in use after a full GC in MiB (NaN when the inspector is unavailable or slow). */
  async heapMiB(): Promise<number> {
    const s = await this.inspector();
    if (!s) return NaN;
    return s.heapUsedAfterGc().then(
      (b) => b / 2 ** 20,
      () => NaN,
    );
  }

  /** Writes its heap snapshot (after a full GC) to file; false when the inspector is unavailable. */
  async heapSnapshot(file: string): Promise<boolean> {
    const s = await this.inspector();
    if (!s) return false;
    await s.writeHeapSnapshot(file);
    return true;
  }

  /**
   * SIGTERM, then SIGKILL after graceMs (15 s); resolves with the seconds
   * from the SIGTERM until the child reached process.exit (seen through its
   * inspector), or else until it exited. With `diagnose`, a stop still
   * running 2 s before the kill is looked into through the inspector: its
   * active resources (process.getActiveResourcesInfo) go to diagnose.log.
   * With diagnose.profile, its CPU profile from the SIGTERM to its exit (or
   * to that look) is written to that file. The last 10 lines it printed
   * while stopping (step times of a slow stop, errors) are logged.
   */
  async stop(
    diagnose?: { profile?: string; log: (m: string) => void },
    graceMs = 15_000,
  ): Promise<number> {
    if (!this.running) return 0;
    const session = diagnose ? await this.inspector() : await this.session;
    const profile = diagnose?.profile;
    let profiling = false;
    if (session && profile)
      profiling = await session.startProfile().then(
        () => true,
        () => false,
      );
    const stopProfile = async () => {
      if (!session || !profile || !profiling) return;
      profiling = false;
      await session
        .stopProfile(profile)
        .then(() => diagnose!.log(`${this.name} stop profile: ${profile}`))
        .catch((err: Error) => diagnose!.log(`${this.name} stop profile failed: ${err.message}`));
    };
    let atExit: number | undefined;
    if (session)
      session.beforeExitClose = () => {
        atExit = performance.now();
        return stopProfile();
      };
    const exited = new Promise((r) => this.child.once("exit", r));
    const before = this.received;
    const t0 = performance.now();
    this.child.kill("SIGTERM");
    let look: NodeJS.Timeout | undefined;
    if (session && diagnose)
      look = setTimeout(
        () => void this.lookInto(session, diagnose.log).then(stopProfile),
        Math.max(0, graceMs - 2000),
      );
    const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(t);
    clearTimeout(look);
    session?.close();
    // What it said while stopping (a slow stop's step times, errors): the last 10 lines.
    const n = Math.min(this.received - before, this.out.length);
    const said = n > 0 ? this.out.slice(-n).trim() : "";
    for (const line of said ? said.split("\n").slice(-10) : []) this.log(`${this.name}: ${line}`);
    return ((atExit ?? performance.now()) - t0) / 1000;
  }

  /** What a slow stop is doing: its active resources. */
  private async lookInto(s: InspectorSession, log: (m: string) => void): Promise<void> {
    const expression =
      "JSON.stringify(Object.entries(process.getActiveResourcesInfo().reduce((a, r) => (a[r] = (a[r] ?? 0) + 1, a), {})))";
    await s
      .call<{ result: { value?: string } }>("Runtime.evaluate", { expression }, 1500)
      .then((r) => log(`${this.name} still stopping; active resources ${r.result.value}`))
      .catch((err: Error) => log(`${this.name} still stopping; no answer (${err.message})`));
  }
}

/** Bytes under dir (recursively). */
export function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}

/**
 * The old-generation limit (MiB) of the server's and the simulator's isolates:
 * V8's default here is about 4 GiB per isolate, below what a full-size run
 * needs (about 25 KiB of server main-thread heap per Running pod, 3.7 GiB at
 * 150,000 pods; the simulator's heap grows with pods too). A limit is a
 * ceiling, not a reservation: 40% of the machine's memory for each process
 * (the flag applies to each of its threads' isolates), never below 4 GiB.
 */
export function childHeapLimitMiB(total = totalmem()): number {
  return Math.max(4096, Math.floor((total * 0.4) / 2 ** 20));
}

const heapLimitArgs = () => [`--max-old-space-size=${childHeapLimitMiB()}`];

/** `k8ts server --disable-agent` on dataDir, on 127.0.0.1:port (sqlite, or the datastore given). */
export function startServer(
  dataDir: string,
  port: number,
  datastore: string | undefined,
  log: (m: string) => void,
): K8tsChild {
  const argv = ["server", "--disable-agent", "--data-dir", dataDir, "--bind-address", "127.0.0.1"];
  argv.push("--secure-port", String(port));
  if (datastore) argv.push("--datastore-endpoint", datastore);
  return new K8tsChild("server", argv, heapLimitArgs(), log);
}

/** `k8ts simulate` with `nodes` hollow nodes against dataDir/admin.kubeconfig (scratch in dataDir/simulate). */
export function startSimulator(
  nodes: number,
  profile: string,
  dataDir: string,
  log: (m: string) => void,
): K8tsChild {
  const argv = ["simulate", "--nodes", String(nodes), "--profile", profile];
  argv.push("--kubeconfig", join(dataDir, "admin.kubeconfig"), "--report-interval", "0");
  argv.push("--data-dir", join(dataDir, "simulate"));
  return new K8tsChild("simulate", argv, ["--expose-gc", ...heapLimitArgs()], log);
}

/**
 * Storage benchmark: the embedded SQLite driver against a real etcd on
 * loopback, side by side on this machine, through the same Backend calls.
 * Prints a table with sqlite/etcd ratios and the targets of issue 2;
 * `--json FILE` also writes the figures; `--quick` shrinks every phase.
 * Every phase is bounded in operations and time.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../src/storage/backend.ts";
import { EtcdBackend } from "../src/storage/drivers/etcd.ts";
import { SqliteBackend } from "../src/storage/drivers/sqlite.ts";
import { startEtcd } from "../src/storage/testing/etcd-process.ts";
import { parseBenchArgs, progress, writeJson } from "./lib/args.ts";
import { printTable, type Row } from "./lib/table.ts";
import {
  compactionStall,
  fill,
  listMs,
  runConcurrent,
  valueOfSize,
  watchLatency,
  type Bounds,
  type CompactionStall,
  type Throughput,
  type WatchLatency,
} from "./lib/storage-workloads.ts";

const args = parseBenchArgs();
const scale = args.quick ? 0.05 : 1;
const bounded = (maxOps: number, maxMs: number): Bounds => ({
  maxOps: Math.max(10, Math.round(maxOps * scale)),
  maxMs: maxMs * (args.quick ? 0.2 : 1),
});
const config = {
  valueBytes: 256,
  writes1: bounded(3000, 6000),
  writes64: bounded(10_000, 8000),
  reads: bounded(20_000, 5000),
  readers: 64,
  listKeys: Math.max(100, Math.round(10_000 * scale)),
  listRepeat: 5,
  watchers: Math.max(10, Math.round(1000 * scale)),
  watchWrites: bounded(200, 15_000),
  compactKeys: Math.max(500, Math.round(20_000 * scale)),
};

interface DriverResult {
  writes1: Throughput;
  writes64: Throughput;
  reads: Throughput;
  listMs: number;
  watch: WatchLatency;
  compaction: CompactionStall;
}

interface Driver {
  name: "sqlite" | "etcd";
  open(): Promise<{ backend: Backend; describe: string; cleanup(): Promise<void> }>;
}

const drivers: Driver[] = [
  {
    name: "sqlite",
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "k8ts-bench-sqlite-"));
      const backend = new SqliteBackend({ path: join(dir, "state.db") });
      await backend.start();
      return {
        backend,
        describe: "SqliteBackend, durability full, temp dir",
        cleanup: async () => {
          await backend.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "etcd",
    async open() {
      const etcd = await startEtcd();
      const backend = new EtcdBackend({ endpoints: etcd.endpoints });
      await backend.start().catch(async (err) => {
        await etcd.stop();
        throw err;
      });
      const version = execFileSync("etcd", ["--version"]).toString().split("\n")[0] ?? "etcd";
      return {
        backend,
        describe: `EtcdBackend -> ${version.trim()} on 127.0.0.1, 1 member, fsync on`,
        cleanup: async () => {
          await backend.close();
          await etcd.stop();
        },
      };
    },
  },
];

async function benchDriver(d: Driver): Promise<DriverResult & { describe: string }> {
  const say = (m: string) => progress("storage", `${d.name}: ${m}`);
  say("starting");
  const { backend: b, describe, cleanup } = await d.open();
  try {
    const value = valueOfSize(config.valueBytes);
    say(`writes, 1 writer (<= ${config.writes1.maxOps} or ${config.writes1.maxMs} ms)`);
    const writes1 = await runConcurrent(1, config.writes1, (i) =>
      b.create(`/bench/w1/${i}`, value),
    );
    say(`  ${Math.round(writes1.opsPerSec)} writes/s`);
    say(`writes, 64 writers (<= ${config.writes64.maxOps} or ${config.writes64.maxMs} ms)`);
    const writes64 = await runConcurrent(
      64,
      config.writes64,
      (i) => b.create(`/bench/w64/${i}`, value),
      (n) => say(`  ${n} written`),
    );
    say(`  ${Math.round(writes64.opsPerSec)} writes/s`);
    say(`reads, ${config.readers} readers over ${writes64.ops} keys`);
    let seed = 1;
    const reads = await runConcurrent(config.readers, config.reads, async () => {
      seed = (seed * 48271) % 2147483647;
      const got = await b.get(`/bench/w64/${seed % writes64.ops}`);
      if (!got.kv) throw new Error("Cannot benchmark reads: a written key is missing");
    });
    say(`  ${Math.round(reads.opsPerSec)} reads/s`);
    say(`list: filling ${config.listKeys} keys`);
    await fill(b, "/bench/list/", config.listKeys, value);
    const list = await listMs(b, "/bench/list/", config.listKeys, config.listRepeat);
    say(`  list of ${config.listKeys} keys: ${list.toFixed(1)} ms`);
    say(`watch: ${config.watchers} watchers, <= ${config.watchWrites.maxOps} writes`);
    const watch = await watchLatency(b, "/bench/watch/", {
      watchers: config.watchers,
      bounds: config.watchWrites,
      value,
    });
    say(
      `  p50 ${watch.p50.toFixed(2)} ms, p99 ${watch.p99.toFixed(2)} ms over ${watch.count} deliveries`,
    );
    say(`compaction: ${2 * config.compactKeys} superseded revisions, 8 writers meanwhile`);
    const compaction = await compactionStall(b, "/bench/compact/", config.compactKeys, value);
    say(
      `  compacted in ${compaction.compactMs.toFixed(0)} ms; writes meanwhile p99 ${compaction.writesDuring.p99.toFixed(1)} ms, max ${compaction.writesDuring.max.toFixed(1)} ms`,
    );
    return { writes1, writes64, reads, listMs: list, watch, compaction, describe };
  } finally {
    await cleanup();
  }
}

const loadAtStart = loadavg()[0]!;
const results: Partial<Record<Driver["name"], DriverResult & { describe: string }>> = {};
for (const d of drivers) results[d.name] = await benchDriver(d);
const s = results.sqlite!;
const e = results.etcd!;

/** Each line: a figure of both drivers, and for targets whether sqlite meets it. */
interface Line {
  metric: string;
  sqlite: number;
  etcd: number;
  target?: string;
  met?: boolean;
}
const lines: Line[] = [
  {
    metric: "writes/s, 1 writer",
    sqlite: s.writes1.opsPerSec,
    etcd: e.writes1.opsPerSec,
    target: "sqlite >= 1x etcd",
    met: s.writes1.opsPerSec >= e.writes1.opsPerSec,
  },
  {
    metric: "writes/s, 64 writers",
    sqlite: s.writes64.opsPerSec,
    etcd: e.writes64.opsPerSec,
    target: "sqlite >= 3x etcd",
    met: s.writes64.opsPerSec >= 3 * e.writes64.opsPerSec,
  },
  {
    metric: `reads/s (get, ${config.readers} readers)`,
    sqlite: s.reads.opsPerSec,
    etcd: e.reads.opsPerSec,
  },
  { metric: `list ${config.listKeys} keys, ms`, sqlite: s.listMs, etcd: e.listMs },
  { metric: `watch p50 ms (${config.watchers} watchers)`, sqlite: s.watch.p50, etcd: e.watch.p50 },
  {
    metric: `watch p99 ms (${config.watchers} watchers)`,
    sqlite: s.watch.p99,
    etcd: e.watch.p99,
    target: "sqlite < 10 ms",
    met: s.watch.p99 < 10,
  },
  {
    metric: "watch p99 ms from write start",
    sqlite: s.watch.fromWriteStart.p99,
    etcd: e.watch.fromWriteStart.p99,
  },
  {
    metric: `compaction of ${2 * config.compactKeys} revisions, ms`,
    sqlite: s.compaction.compactMs,
    etcd: e.compaction.compactMs,
  },
  {
    metric: "write p99 ms during compaction",
    sqlite: s.compaction.writesDuring.p99,
    etcd: e.compaction.writesDuring.p99,
  },
  {
    // A stall blocks every write in flight: the slowest write bounds it.
    metric: "write max ms during compaction",
    sqlite: s.compaction.writesDuring.max,
    etcd: e.compaction.writesDuring.max,
    target: "sqlite <= 50 ms",
    met: s.compaction.writesDuring.max <= 50,
  },
];
const rows: Row[] = lines.map((l) => ({
  metric: l.metric,
  sqlite: l.sqlite,
  etcd: l.etcd,
  "sqlite/etcd": l.etcd > 0 ? `${(l.sqlite / l.etcd).toFixed(2)}x` : "-",
  target: l.target ?? "",
  met: l.met === undefined ? "" : l.met ? "yes" : "NO",
}));
const load = `load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`;
process.stdout.write(
  `\nStorage benchmark (${cpus().length} CPUs, ${load}, Node ${process.version}, ${config.valueBytes}-byte values)\n`,
);
process.stdout.write(`  sqlite: ${s.describe}\n  etcd:   ${e.describe}\n`);
process.stdout.write(
  "  watch latency: from the write's acknowledgement to each watcher's receipt (0 if it came first)\n\n",
);
printTable(rows);
await writeJson(args.json, {
  benchmark: "storage",
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    node: process.version,
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
  },
  quick: args.quick,
  config,
  results,
  table: lines.map((l) => ({ ...l, ratio: l.etcd > 0 ? l.sqlite / l.etcd : null })),
});

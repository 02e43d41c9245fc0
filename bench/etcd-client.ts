/**
 * CPU per request of the etcd driver's client path (this process only, not
 * etcd's): create, get, update, list and delete through EtcdBackend against
 * a real etcd on loopback, with one watcher on the prefix decoding every
 * event as the API server's watch cache does. Figures are process.cpuUsage
 * (user + system) per operation, so they hold under load where wall clock
 * does not. Bounded: --keys keys (default 2000) per round, --rounds rounds.
 *
 *   node --import tsx bench/etcd-client.ts [--keys N] [--rounds N] [--concurrency N]
 *       [--value-bytes N] [--cpu-prof]
 */
import { loadavg } from "node:os";
import type { Backend, Watcher } from "../src/storage/backend.ts";
import { EtcdBackend } from "../src/storage/drivers/etcd.ts";
import { startEtcd } from "../src/storage/testing/etcd-process.ts";
import { parseNumberFlags, podValue } from "./lib/etcd-bench.ts";
import { pool } from "./lib/pool.ts";

interface Args {
  keys: number;
  rounds: number;
  concurrency: number;
  valueBytes: number;
}

function parseArgs(argv: string[]): Args {
  return parseNumberFlags(
    argv,
    { keys: 2000, rounds: 3, concurrency: 32, valueBytes: 2500 } as Args,
    1,
  );
}

/** CPU microseconds (user + system) spent by this process while fn runs. */
async function cpuOf(fn: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(before);
  return d.user + d.system;
}

/** Reads a watcher until it has seen `want` events; returns the count seen. */
function drain(w: Watcher): { seen: () => number; until: (n: number) => Promise<void> } {
  let seen = 0;
  let waiting: { n: number; resolve: () => void } | undefined;
  void (async () => {
    for await (const batch of w) {
      for (const e of batch) if (e.kv.key.length === 0) throw new Error("empty key");
      seen += batch.length;
      if (waiting && seen >= waiting.n) {
        waiting.resolve();
        waiting = undefined;
      }
    }
  })();
  return {
    seen: () => seen,
    until: (n) =>
      seen >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { n, resolve })),
  };
}

async function round(b: Backend, args: Args, r: number, results: Map<string, number[]>) {
  const prefix = `/registry/pods/bench-${r}/`;
  const key = (i: number) => `${prefix}pod-${String(i).padStart(6, "0")}`;
  const value = podValue("pod", args.valueBytes, 1);
  const updated = podValue("pod", args.valueBytes, 2);
  const start = await b.currentRevision();
  const watcher = b.watch(prefix, { startRevision: start + 1, bufferSize: 1_000_000 });
  const events = drain(watcher);
  const revs: number[] = [];
  const add = (name: string, us: number, ops: number) => {
    const list = results.get(name) ?? [];
    list.push(us / ops);
    results.set(name, list);
  };
  const n = args.keys;
  const c = args.concurrency;
  add(
    "create (+ watch event)",
    await cpuOf(async () => {
      await pool(n, c, async (i) => (revs[i] = (await b.create(key(i), value)).modRevision));
      await events.until(n);
    }),
    n,
  );
  add("get", await cpuOf(() => pool(n, c, (i) => b.get(key(i)))), n);
  add(
    "update (+ watch event)",
    await cpuOf(async () => {
      await pool(
        n,
        c,
        async (i) => (revs[i] = (await b.update(key(i), updated, revs[i]!)).modRevision),
      );
      await events.until(2 * n);
    }),
    n,
  );
  const lists = 10;
  add(
    `list ${n} keys (per key)`,
    await cpuOf(() => pool(lists, 2, () => b.list(prefix))),
    lists * n,
  );
  add(
    "list limit 500 pages (per key)",
    await cpuOf(async () => {
      let after: string | undefined;
      let got = 0;
      for (;;) {
        const page = await b.list(prefix, { limit: 500, after });
        got += page.kvs.length;
        if (!page.more) break;
        after = page.kvs.at(-1)!.key;
      }
      if (got !== n) throw new Error(`paged list saw ${got} of ${n}`);
    }),
    n,
  );
  add(
    "delete (+ watch event)",
    await cpuOf(async () => {
      await pool(n, c, (i) => b.delete(key(i), revs[i]));
      await events.until(3 * n);
    }),
    n,
  );
  watcher.cancel();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const etcd = await startEtcd();
  const backend = new EtcdBackend({ endpoints: etcd.endpoints, compactIntervalMs: 0 });
  const results = new Map<string, number[]>();
  try {
    await backend.start();
    const load0 = loadavg()[0]!;
    for (let r = 0; r < args.rounds; r++) {
      await round(backend, args, r, results);
      process.stderr.write(`round ${r + 1}/${args.rounds} done\n`);
    }
    console.log(
      `etcd client CPU per operation (µs, this process), ${args.keys} keys of ${args.valueBytes} B, ` +
        `concurrency ${args.concurrency}, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
    );
    for (const [name, list] of results) {
      const sorted = [...list].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      console.log(
        `  ${name.padEnd(32)} median ${median.toFixed(1).padStart(8)}   rounds ${list.map((x) => x.toFixed(1)).join(" ")}`,
      );
    }
  } finally {
    await backend.close();
    await etcd.stop();
  }
}

await main();

/**
 * A storage LIST of one namespace on etcd, the API server's two ways: the
 * full range (every value read, sent and decoded; cached versions share the
 * watch cache's decoding) and listKeyed (a keys_only range; the cache's
 * elements of the listed versions; only the other values read). CPU per LIST
 * of this process (process.cpuUsage) and of etcd (/proc/PID/stat), both ways
 * alternated in one process, so the figures hold under load where wall clock
 * does not. --changed N: keys updated behind the cache's back before each
 * list (values the keyed list must read).
 *
 *   node --import tsx bench/etcd-keyed-list.ts [--keys N] [--rounds N] [--changed N]
 *       [--value-bytes N]
 */
import { loadavg } from "node:os";
import type { KObject, ResourceDef } from "../src/api/types.ts";
import type { KeyValue } from "../src/storage/backend.ts";
import { EtcdBackend } from "../src/storage/drivers/etcd.ts";
import { startEtcd } from "../src/storage/testing/etcd-process.ts";
import { parseNumberFlags, podValue } from "./lib/etcd-bench.ts";
import { processCpuMs } from "./lib/proc-stat.ts";
import { listKeyed } from "../src/apiserver/watch-cache-keyed-list.ts";
import { CacheElement, WatchCacheStore } from "../src/apiserver/watch-cache-store.ts";

interface Args {
  keys: number;
  rounds: number;
  changed: number;
  valueBytes: number;
}

function parseArgs(argv: string[]): Args {
  return parseNumberFlags(argv, { keys: 3000, rounds: 8, changed: 0, valueBytes: 2500 }, 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const etcd = await startEtcd();
  const backend = new EtcdBackend({ endpoints: etcd.endpoints, compactIntervalMs: 0 });
  await backend.start();
  const prefix = "/registry/pods/bench/";
  const def = { resource: "pods" } as ResourceDef;
  const decode = (kv: KeyValue) => JSON.parse(kv.value) as KObject;
  try {
    const keys = Array.from({ length: args.keys }, (_, i) => `${prefix}pod-${i}`);
    for (let i = 0; i < keys.length; i += 64)
      await Promise.all(
        keys.slice(i, i + 64).map((k) => backend.create(k, podValue(k, args.valueBytes, 0))),
      );
    // The running cache: every element decoded once, as a served cache holds them.
    const store = new WatchCacheStore();
    store.replace((await backend.list(prefix)).kvs);
    for (const el of store.under(prefix)) WatchCacheStore.objectOf(el, def, decode);
    let gen = 0;
    /** Updates `changed` keys in etcd only: the cache lags behind them until caughtUp(). */
    const changeSome = async () => {
      gen++;
      const written: KeyValue[] = [];
      for (let i = 0; i < args.changed; i++) {
        const k = keys[(gen * 7919 + i * 104729) % keys.length]!;
        const cur = (await backend.get(k)).kv!;
        written.push(await backend.update(k, podValue(k, args.valueBytes, gen), cur.modRevision));
      }
      return () => {
        for (const kv of written) WatchCacheStore.objectOf(store.put(kv), def, decode);
      };
    };
    const ways = {
      full: async () => {
        const r = await backend.list(prefix);
        let n = 0;
        for (const kv of r.kvs) n += (store.decodedLike(kv, def, decode) ?? decode(kv)) ? 1 : 0;
        return n;
      },
      keyed: async () => {
        const r = await listKeyed(backend, store, prefix, {});
        let n = 0;
        for (const item of r.items)
          n += (
            item instanceof CacheElement
              ? WatchCacheStore.objectOf(item, def, decode)
              : decode(item)
          )
            ? 1
            : 0;
        return n;
      },
    };
    const samples: Record<string, { self: number[]; etcd: number[] }> = {
      full: { self: [], etcd: [] },
      keyed: { self: [], etcd: [] },
    };
    for (let round = 0; round < args.rounds; round++) {
      for (const name of round % 2 ? (["keyed", "full"] as const) : (["full", "keyed"] as const)) {
        const caughtUp = await changeSome();
        const lists = 5;
        const t0 = process.cpuUsage();
        const e0 = processCpuMs(etcd.pid);
        for (let i = 0; i < lists; i++) {
          const n = await ways[name]();
          if (n !== args.keys) throw new Error(`${name} listed ${n} of ${args.keys}`);
        }
        const t = process.cpuUsage(t0);
        samples[name]!.self.push((t.user + t.system) / lists);
        samples[name]!.etcd.push(((processCpuMs(etcd.pid) - e0) * 1000) / lists);
        caughtUp();
      }
    }
    console.log(
      `${args.keys} keys of ${args.valueBytes} B, ${args.changed} changed behind the cache per 5 lists, ` +
        `${args.rounds} rounds alternated, load ${loadavg()[0]!.toFixed(1)}`,
    );
    for (const [name, s] of Object.entries(samples))
      console.log(
        `${name.padEnd(6)} CPU per LIST: this process ${(median(s.self) / 1000).toFixed(2)} ms ` +
          `(min ${(Math.min(...s.self) / 1000).toFixed(2)}), etcd ${(median(s.etcd) / 1000).toFixed(2)} ms`,
      );
  } finally {
    await backend.close();
    await etcd.stop();
  }
}

await main();

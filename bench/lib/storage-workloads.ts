import { performance } from "node:perf_hooks";
import type { Backend } from "../../src/storage/backend.ts";
import { percentiles, type Percentiles } from "./percentiles.ts";

/** Stops a phase at whichever bound comes first. */
export interface Bounds {
  maxOps: number;
  maxMs: number;
}

export interface Throughput {
  ops: number;
  ms: number;
  opsPerSec: number;
}

/** A value of exactly n bytes (ASCII JSON), like a small API object. */
export function valueOfSize(n: number): string {
  const head = '{"kind":"Bench","data":"';
  const tail = '"}';
  return head + "x".repeat(Math.max(0, n - head.length - tail.length)) + tail;
}

/**
 * Runs op(i) for i = 0, 1, ... from `concurrency` loops at once until the
 * bounds are hit; every op is awaited before its loop issues the next.
 */
export async function runConcurrent(
  concurrency: number,
  bounds: Bounds,
  op: (i: number) => Promise<unknown>,
  onProgress?: (done: number) => void,
): Promise<Throughput> {
  let issued = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + bounds.maxMs;
  const loop = async () => {
    while (issued < bounds.maxOps && performance.now() < deadline) {
      await op(issued++);
      done++;
      if (onProgress && done % 1000 === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const ms = performance.now() - start;
  return { ops: done, ms, opsPerSec: (done / ms) * 1000 };
}

/** Creates keys prefix0..prefix(n-1) with `concurrency` writers (no time bound). */
export async function fill(
  b: Backend,
  prefix: string,
  n: number,
  value: string,
  concurrency = 64,
): Promise<void> {
  await runConcurrent(concurrency, { maxOps: n, maxMs: Infinity }, (i) =>
    b.create(`${prefix}${i}`, value),
  );
}

/** Milliseconds to list every key under prefix, median of `repeat` runs; checks the count. */
export async function listMs(
  b: Backend,
  prefix: string,
  expected: number,
  repeat: number,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    const res = await b.list(prefix);
    times.push(performance.now() - t);
    if (res.kvs.length !== expected) {
      throw new Error(
        `Cannot benchmark list: got ${res.kvs.length} keys under ${prefix}, want ${expected}`,
      );
    }
  }
  return percentiles(times).p50;
}

export interface WatchLatency extends Percentiles {
  watchers: number;
  writes: number;
  /** The same deliveries timed from the start of the write call (commit + delivery). */
  fromWriteStart: Percentiles;
}

/**
 * Opens `watchers` watches on prefix, then writes keys one at a time; each
 * write waits until every watcher has its event. A sample is the time from
 * the write's acknowledgement to one watcher receiving the event (0 when the
 * event arrived before the acknowledgement); fromWriteStart times the same
 * deliveries from the moment the write was issued.
 */
export async function watchLatency(
  b: Backend,
  prefix: string,
  opts: { watchers: number; bounds: Bounds; value: string; waitMs?: number },
): Promise<WatchLatency> {
  /** key -> receive times of each watcher, and a callback when all arrived. */
  const arrivals = new Map<string, { times: number[]; all?: () => void }>();
  const ws = Array.from({ length: opts.watchers }, () => b.watch(prefix, { startRevision: 0 }));
  const loops = ws.map(async (w) => {
    for await (const batch of w) {
      const now = performance.now();
      for (const ev of batch) {
        const a = arrivals.get(ev.kv.key);
        if (!a) continue;
        a.times.push(now);
        if (a.times.length === opts.watchers) a.all?.();
      }
    }
  });
  const waitMs = opts.waitMs ?? 30_000;
  const writeAndWait = async (key: string): Promise<{ fromAck: number[]; fromStart: number[] }> => {
    const a: { times: number[]; all?: () => void } = { times: [] };
    const everyone = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `Cannot benchmark watch: ${a.times.length}/${opts.watchers} got ${key} in ${waitMs} ms`,
            ),
          ),
        waitMs,
      );
      a.all = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    arrivals.set(key, a);
    const start = performance.now();
    await b.create(key, opts.value);
    const ack = performance.now();
    await everyone;
    arrivals.delete(key);
    return {
      fromAck: a.times.map((t) => Math.max(0, t - ack)),
      fromStart: a.times.map((t) => t - start),
    };
  };
  const samples: number[] = [];
  const fromStart: number[] = [];
  let writes = 0;
  try {
    // Warm-up: every watcher is registered once it has seen one event.
    await writeAndWait(`${prefix}warmup`);
    const deadline = performance.now() + opts.bounds.maxMs;
    while (writes < opts.bounds.maxOps && performance.now() < deadline) {
      const got = await writeAndWait(`${prefix}${writes}`);
      samples.push(...got.fromAck);
      fromStart.push(...got.fromStart);
      writes++;
    }
  } finally {
    for (const w of ws) w.cancel();
    await Promise.allSettled(loops);
  }
  return {
    ...percentiles(samples),
    watchers: opts.watchers,
    writes,
    fromWriteStart: percentiles(fromStart),
  };
}

/** Write latencies while the backend compacts away `rows` superseded revisions. */
export interface CompactionStall {
  rows: number;
  compactMs: number;
  writesDuring: Percentiles;
}

/**
 * Builds history (creates then deletes n keys under prefix: 2n superseded
 * revisions), then compacts it all while `writers` loops keep writing and
 * timing each write. Reports how long compaction took and the write
 * latencies seen meanwhile: a stall shows as the max.
 */
export async function compactionStall(
  b: Backend & { compactionIdle?: () => Promise<void> },
  prefix: string,
  n: number,
  value: string,
  writers = 8,
): Promise<CompactionStall> {
  await fill(b, prefix, n, value);
  await runConcurrent(64, { maxOps: n, maxMs: Infinity }, (i) => b.delete(`${prefix}${i}`));
  const revision = await b.currentRevision();
  const latencies: number[] = [];
  let compacting = true;
  let seq = 0;
  const writer = async () => {
    while (compacting) {
      const t0 = performance.now();
      await b.create(`${prefix}live/${seq++}`, value);
      latencies.push(performance.now() - t0);
    }
  };
  const loops = Array.from({ length: writers }, writer);
  const start = performance.now();
  await b.compact(revision);
  await b.compactionIdle?.();
  const compactMs = performance.now() - start;
  compacting = false;
  await Promise.all(loops);
  return { rows: 2 * n, compactMs, writesDuring: percentiles(latencies) };
}

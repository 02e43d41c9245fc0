/**
 * Pod-paced creation for bench:scale's saturation phase, after ClusterLoader2's
 * load test: objects are started so that the pods they ask for arrive at a
 * steady rate (CL2_LOAD_TEST_THROUGHPUT pods/s; CL2 spreads the objects over
 * saturationTime = pods / throughput), or — in adaptive mode — as fast as the
 * cluster makes them run: the next object starts only while fewer than
 * `maxBacklog` of the pods asked for so far have not run yet. Either way the
 * rate reached is reported, and nothing is hidden: the latencies of every
 * pod created are still measured.
 */

/** A fixed pod rate (CL2's throughput) or adaptive pacing against the backlog. */
export type PodPace = { podsPerSecond: number } | { maxBacklog: number };

export interface PacedByPodsOptions {
  pace: PodPace;
  /** Pods (of the objects started here) that have run so far; needed for adaptive pacing. */
  ran?: () => number;
  /** Requests in flight at most. */
  inFlight: number;
  /** Epoch ms after which no more objects start. */
  deadline?: number;
  /** Clock and sleep (tests inject both). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How often adaptive pacing re-checks the backlog (ms, default 100). */
  pollMs?: number;
}

export interface PacedByPodsResult {
  done: number;
  failed: number;
  /** Pods asked for by the objects started. */
  pods: number;
  /** Milliseconds from the first start to the last start. */
  spanMs: number;
  /** Milliseconds adaptive pacing held back because of the backlog. */
  heldMs: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts fn(item) for each item in order: with a fixed rate, item i starts
 * at (pods of items before i) / rate; adaptively, it starts once
 * asked - ran() < maxBacklog. Failures are counted, not thrown.
 */
export async function pacedByPods<T extends { replicas: number }>(
  items: readonly T[],
  fn: (item: T) => Promise<unknown>,
  o: PacedByPodsOptions,
): Promise<PacedByPodsResult> {
  const now = o.now ?? (() => Date.now());
  const sleep = o.sleep ?? realSleep;
  const deadline = o.deadline ?? Infinity;
  const t0 = now();
  let asked = 0;
  let done = 0;
  let failed = 0;
  let heldMs = 0;
  let last = t0;
  const running = new Set<Promise<void>>();
  for (const item of items) {
    if (now() > deadline) break;
    if ("podsPerSecond" in o.pace) {
      const wait = t0 + (asked / o.pace.podsPerSecond) * 1000 - now();
      if (wait > 0) await sleep(wait);
    } else if (item.replicas > 0) {
      const ran = o.ran ?? (() => asked);
      const held = now();
      while (asked - ran() >= o.pace.maxBacklog && now() <= deadline) await sleep(o.pollMs ?? 100);
      heldMs += now() - held;
    }
    if (now() > deadline) break;
    while (running.size >= o.inFlight) await Promise.race(running);
    last = now();
    asked += item.replicas;
    const p: Promise<void> = fn(item)
      .then(
        () => void done++,
        () => void failed++,
      )
      .finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
  return { done, failed, pods: asked, spanMs: last - t0, heldMs };
}

/** Parses --pod-throughput: "auto" (adaptive, backlog of at most maxBacklog pods) or pods/s. */
export function parsePodPace(value: string, maxBacklog: number): PodPace {
  if (value === "auto") return { maxBacklog };
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`Cannot parse --pod-throughput ${value}: expected "auto" or pods per second`);
  return { podsPerSecond: n };
}

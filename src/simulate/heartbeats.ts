/**
 * The hollow nodes' periodic work (lease renewals, node status checks) on
 * one clock, as upstream's kubelet runs it: wait.JitterUntil with sliding
 * periods — the next run starts periodMs × (1 + random × jitter) after the
 * previous one ended. The jitter keeps renewals spread: after a server stall
 * finishes many late calls at once, their next runs drift apart again
 * instead of staying bunched forever.
 *
 * Every run is due at the end of a tick (tickMs of clock time, 10 ms by
 * default), and one timer serves all runs due at the same tick: thousands of
 * nodes cost at most 1,000 / tickMs wake-ups per second instead of one timer
 * (and one wake-up) per run. A run starts at most one tick late, far below
 * upstream's jitter (4% of a 10 s period is 400 ms), so the renewals stay
 * spread over the period as independent kubelets would send them; only runs
 * due within the same tick start together.
 */
import type { Clock, TimerHandle } from "../client/clock.ts";

/** Upstream's jitter factor for the node lease and node status loops. */
export const HEARTBEAT_JITTER = 0.04;

/** Default granularity of the runs' start times. */
export const HEARTBEAT_TICK_MS = 10;

type Run = () => void;

export class Heartbeats {
  /** Runs waiting, by the tick they are due at. */
  private readonly due = new Map<number, Run[]>();
  /** The ticks in `due`, as a binary min-heap. */
  private readonly ticks: number[] = [];
  /** The one armed timer and the tick it fires at. */
  private timer?: TimerHandle;
  private armedTick = Infinity;
  private stopped = false;
  private readonly tickMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly opts: {
      /** Uniform in [0, 1) (default Math.random; tests pass a seeded one). */
      random?: () => number;
      onError?(err: unknown): void;
      /** Granularity of start times (default HEARTBEAT_TICK_MS). */
      tickMs?: number;
    } = {},
  ) {
    this.tickMs = Math.max(1, opts.tickMs ?? HEARTBEAT_TICK_MS);
  }

  /** Runs fn first after offsetMs, then periodMs (+ jitter) after each run ended, until stop(). */
  every(offsetMs: number, periodMs: number, fn: () => Promise<unknown>, jitter = HEARTBEAT_JITTER) {
    const random = this.opts.random ?? Math.random;
    const run = () => {
      fn()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => this.schedule(periodMs * (1 + random() * jitter), run));
    };
    this.schedule(offsetMs, run);
  }

  private schedule(ms: number, run: Run): void {
    if (this.stopped) return;
    const tick = Math.ceil((this.clock.now() + Math.max(0, ms)) / this.tickMs);
    const runs = this.due.get(tick);
    if (runs) return void runs.push(run);
    this.due.set(tick, [run]);
    pushHeap(this.ticks, tick);
    if (tick < this.armedTick) this.arm(tick);
  }

  private arm(tick: number): void {
    this.timer?.cancel();
    this.armedTick = tick;
    this.timer = this.clock.after(tick * this.tickMs - this.clock.now(), () => this.fire());
  }

  /** Starts every run due by now (a late timer catches up on the ticks it missed). */
  private fire(): void {
    // The armed tick counts as reached even if the wall clock reads a hair before it.
    const nowTick = Math.max(this.armedTick, Math.floor(this.clock.now() / this.tickMs));
    this.timer = undefined;
    this.armedTick = Infinity;
    const ready: Run[] = [];
    while (this.ticks.length > 0 && this.ticks[0]! <= nowTick) {
      const tick = popHeap(this.ticks);
      for (const run of this.due.get(tick)!) ready.push(run);
      this.due.delete(tick);
    }
    if (this.ticks.length > 0) this.arm(this.ticks[0]!);
    for (const run of ready) run();
  }

  /** Runs waiting for their tick. */
  waiting(): number {
    let n = 0;
    for (const runs of this.due.values()) n += runs.length;
    return n;
  }

  /** Cancels every pending run; runs in progress finish without rescheduling. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.due.clear();
    this.ticks.length = 0;
  }
}

function pushHeap(heap: number[], v: number): void {
  let i = heap.push(v) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= v) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = v;
}

function popHeap(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= heap.length) break;
    const c = l + 1 < heap.length && heap[l + 1]! < heap[l]! ? l + 1 : l;
    if (heap[c]! >= last) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = last;
  return top;
}

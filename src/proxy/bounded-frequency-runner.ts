/**
 * Runs a function no more often than minInterval and at least every
 * maxInterval (upstream's BoundedFrequencyRunner, with a burst of 1):
 * `run()` asks for a run soon; requests while one is pending or running
 * coalesce into one more run. Never runs two at once. Time comes from the
 * injected clock.
 */
import type { Clock, TimerHandle } from "../client/clock.ts";

export interface RunnerOptions {
  minIntervalMs: number;
  /** 0: never run unasked. */
  maxIntervalMs: number;
  clock: Clock;
}

export class BoundedFrequencyRunner {
  private lastRun = Number.NEGATIVE_INFINITY;
  private timer?: TimerHandle;
  private periodic?: TimerHandle;
  private running = false;
  private pending = false;
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly fn: (periodic: boolean) => Promise<void>,
    private readonly opts: RunnerOptions,
  ) {}

  /** Starts the periodic schedule. */
  start(): void {
    this.schedulePeriodic();
  }

  /** Requests a run as soon as minInterval allows. */
  run(): void {
    if (this.stopped) return;
    this.pending = true;
    if (this.running || this.timer) return;
    const wait = this.lastRun + this.opts.minIntervalMs - this.opts.clock.now();
    if (wait <= 0) void this.execute(false);
    else
      this.timer = this.opts.clock.after(wait, () => {
        this.timer = undefined;
        if (this.pending && !this.running) void this.execute(false);
      });
  }

  /** Resolves when nothing is running or pending (for tests and shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running && !this.pending) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.periodic?.cancel();
    this.pending = false;
    if (!this.running) for (const r of this.idle.splice(0)) r();
  }

  private schedulePeriodic(): void {
    this.periodic?.cancel();
    if (this.opts.maxIntervalMs <= 0 || this.stopped) return;
    this.periodic = this.opts.clock.after(this.opts.maxIntervalMs, () => {
      if (this.running) this.pending = true;
      else void this.execute(true);
    });
  }

  private async execute(periodic: boolean): Promise<void> {
    this.running = true;
    this.pending = false;
    this.lastRun = this.opts.clock.now();
    try {
      await this.fn(periodic);
    } catch {
      // fn reports its own failures; a throw must not stop the schedule.
    } finally {
      this.running = false;
      this.schedulePeriodic();
      if (this.pending && !this.stopped) this.run();
      else for (const r of this.idle.splice(0)) r();
    }
  }
}

/**
 * Work queue metrics with client-go's names (workqueue_depth,
 * workqueue_adds_total, workqueue_queue_duration_seconds,
 * workqueue_work_duration_seconds, workqueue_retries_total,
 * workqueue_unfinished_work_seconds,
 * workqueue_longest_running_processor_seconds), each labelled
 * name=<queue>. One provider per process registers them in the registry it
 * is given; queues get a per-name sink. Times come from the queue's clock.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** What a WorkQueue reports; every method is cheap and never throws. */
export interface WorkQueueMetrics {
  /** key entered the queue (not already dirty) at now. */
  added(key: string, now: number): void;
  /** key left the queue for a worker at now. */
  started(key: string, now: number): void;
  /** The worker finished key at now. */
  finished(key: string, now: number): void;
  /** key was re-added after a failure. */
  retried(): void;
}

// client-go: ExponentialBuckets(10e-9, 10, 10).
const buckets = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** Creates per-queue sinks over one set of collectors in registry. */
export class WorkQueueMetricsProvider {
  private readonly depth: Gauge<"name">;
  private readonly adds: Counter<"name">;
  private readonly latency: Histogram<"name">;
  private readonly work: Histogram<"name">;
  private readonly retries: Counter<"name">;
  /** name → key → when processing started; name → clock of that queue. */
  private readonly processing = new Map<string, Map<string, number>>();
  private readonly clocks = new Map<string, () => number>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ["name"] as const;
    this.depth = new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames,
      registers,
    });
    this.adds = new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames,
      registers,
    });
    this.latency = new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested.",
      labelNames,
      buckets,
      registers,
    });
    this.work = new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes.",
      labelNames,
      buckets,
      registers,
    });
    this.retries = new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames,
      registers,
    });
    const processing = this.processing;
    const clocks = this.clocks;
    new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
      labelNames,
      registers,
      collect() {
        for (const [name, keys] of processing) {
          const now = clocks.get(name)!();
          let sum = 0;
          for (const t of keys.values()) sum += now - t;
          this.set({ name }, sum / 1000);
        }
      },
    });
    new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running.",
      labelNames,
      registers,
      collect() {
        for (const [name, keys] of processing) {
          const now = clocks.get(name)!();
          let oldest = now;
          for (const t of keys.values()) oldest = Math.min(oldest, t);
          this.set({ name }, (now - oldest) / 1000);
        }
      },
    });
  }

  /** The sink of queue name (one per queue; names are upstream's, e.g. "deployment"). */
  forQueue(name: string, now: () => number): WorkQueueMetrics {
    const labels = { name };
    const addedAt = new Map<string, number>();
    const running = new Map<string, number>();
    this.processing.set(name, running);
    this.clocks.set(name, now);
    this.depth.set(labels, 0);
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      added: (key, t) => {
        this.adds.inc(labels);
        this.depth.inc(labels);
        if (!addedAt.has(key)) addedAt.set(key, t);
      },
      started: (key, t) => {
        this.depth.dec(labels);
        const at = addedAt.get(key);
        addedAt.delete(key);
        if (at !== undefined) this.latency.observe(labels, (t - at) / 1000);
        running.set(key, t);
      },
      finished: (key, t) => {
        const at = running.get(key);
        running.delete(key);
        if (at !== undefined) this.work.observe(labels, (t - at) / 1000);
      },
      retried: () => this.retries.inc(labels),
    };
  }
}

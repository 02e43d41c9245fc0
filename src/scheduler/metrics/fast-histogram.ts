/**
 * A Prometheus histogram for the scheduling hot path: observing through a
 * child (one label set, looked up once) is a bucket search and three
 * additions, with no label hashing per observation as prom-client's
 * Histogram does. Registers with a prom-client Registry and exposes the same
 * text (`_bucket` with `le` first, `_sum`, `_count`).
 */
import type { Registry } from "prom-client";

/** One label set's counts. */
export interface HistogramChild {
  observe(value: number): void;
}

interface Child extends HistogramChild {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly children = new Map<string, Child>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The child for these label values (created on first use); keep it to observe cheaply. */
  child(labels: Record<string, string>): HistogramChild {
    const key = this.labelNames.map((n) => labels[n] ?? "").join("\0");
    let c = this.children.get(key);
    if (!c) {
      const { buckets } = this;
      const counts = new Float64Array(buckets.length + 1);
      const child: Child = {
        labels: { ...labels },
        counts,
        sum: 0,
        count: 0,
        observe(value: number) {
          let i = 0;
          while (i < buckets.length && value > buckets[i]!) i++;
          counts[i]!++;
          child.sum += value;
          child.count++;
        },
      };
      c = child;
      this.children.set(key, c);
    }
    return c;
  }

  /** Observes through the child of labels (a lookup per call; prefer keeping the child). */
  observe(labels: Record<string, string>, value: number): void {
    this.child(labels).observe(value);
  }

  reset(): void {
    this.children.clear();
  }

  /** prom-client's metric object (what Registry.metrics() formats). */
  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const values: MetricValue[] = [];
    for (const c of this.children.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += c.counts[i]!;
        const le = i < this.buckets.length ? this.buckets[i]! : "+Inf";
        values.push({
          labels: { le, ...c.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }
}

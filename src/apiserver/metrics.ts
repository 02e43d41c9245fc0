/**
 * API server metrics in Prometheus format: request counts by
 * verb/resource/code, request latencies and the in-flight gauge. Every
 * request records into plain per-label-set counters (one map lookup); the
 * families are rendered as text at scrape time (prom-client validated and
 * hashed the labels on every observation, a few percent of a small request's
 * CPU, and loading it cost ~120 ms of CPU during start-up for one gauge).
 */

export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  code: string;
}

/** apiserver_request_duration_seconds buckets (upstream's). */
export const REQUEST_DURATION_BUCKETS = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45,
  60,
];

const COUNT_LABELS = [
  "verb",
  "group",
  "version",
  "resource",
  "subresource",
  "scope",
  "code",
] as const;
const DURATION_LABELS = COUNT_LABELS.slice(0, -1);

/** One counter series. */
interface CountSeries {
  n: number;
}

/** One histogram series: cumulative counts are summed at render time. */
interface DurationSeries {
  labels: string;
  perBucket: number[];
  sum: number;
  count: number;
}

/** The Prometheus text format's content type (version 0.0.4). */
export const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

/** Per-server metrics. */
export class ApiMetrics {
  #inflight = { readOnly: 0, mutating: 0 };
  /** apiserver_request_total by rendered label set. */
  readonly #counts = new Map<string, CountSeries>();
  /** apiserver_request_duration_seconds by rendered label set. */
  readonly #durations = new Map<string, DurationSeries>();
  /** Both series of a label set, by its raw values (rendered once per label set). */
  readonly #byValues = new Map<string, { count: CountSeries; duration: DurationSeries }>();

  /** Records one finished request. */
  observe(labels: RequestLabels, seconds: number): void {
    const values = `${labels.verb}\u0000${labels.group}\u0000${labels.version}\u0000${labels.resource}\u0000${labels.subresource}\u0000${labels.scope}\u0000${labels.code}`;
    let series = this.#byValues.get(values);
    if (!series) {
      series = { count: this.#countSeries(labels), duration: this.#durationSeries(labels) };
      this.#byValues.set(values, series);
    }
    series.count.n++;
    const duration = series.duration;
    const b = REQUEST_DURATION_BUCKETS.findIndex((le) => seconds <= le);
    if (b >= 0) duration.perBucket[b]++;
    duration.sum += seconds;
    duration.count++;
  }

  #countSeries(labels: RequestLabels): CountSeries {
    const key = renderLabels(labels, COUNT_LABELS);
    let series = this.#counts.get(key);
    if (!series) {
      series = { n: 0 };
      this.#counts.set(key, series);
    }
    return series;
  }

  #durationSeries(labels: RequestLabels): DurationSeries {
    const key = renderLabels(labels, DURATION_LABELS);
    let series = this.#durations.get(key);
    if (!series) {
      series = {
        labels: key,
        perBucket: new Array<number>(REQUEST_DURATION_BUCKETS.length).fill(0),
        sum: 0,
        count: 0,
      };
      this.#durations.set(key, series);
    }
    return series;
  }

  /** Tracks in-flight requests for the gauge. */
  setInflight(readOnly: number, mutating: number): void {
    this.#inflight.readOnly = readOnly;
    this.#inflight.mutating = mutating;
  }

  /** The Prometheus text exposition and its content type. */
  async expose(): Promise<{ contentType: string; text: string }> {
    return { contentType: PROMETHEUS_TEXT, text: this.#requestText() + this.#inflightText() };
  }

  #inflightText(): string {
    return [
      "# HELP apiserver_current_inflight_requests Maximal number of currently used inflight request limit of this apiserver per request kind.",
      "# TYPE apiserver_current_inflight_requests gauge",
      `apiserver_current_inflight_requests{request_kind="readOnly"} ${this.#inflight.readOnly}`,
      `apiserver_current_inflight_requests{request_kind="mutating"} ${this.#inflight.mutating}`,
      "",
    ].join("\n");
  }

  #requestText(): string {
    const out: string[] = [
      "# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, group, version, resource, scope, subresource and HTTP response code.",
      "# TYPE apiserver_request_total counter",
    ];
    for (const [labels, { n }] of this.#counts) out.push(`apiserver_request_total{${labels}} ${n}`);
    out.push(
      "# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, group, version, resource, subresource and scope.",
      "# TYPE apiserver_request_duration_seconds histogram",
    );
    for (const s of this.#durations.values()) {
      let cumulative = 0;
      REQUEST_DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.perBucket[i]!;
        out.push(`apiserver_request_duration_seconds_bucket{${s.labels},le="${le}"} ${cumulative}`);
      });
      out.push(`apiserver_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`apiserver_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    return `${out.join("\n")}\n\n`;
  }
}

/** `name="value",...` in the text format (backslash, quote and newline escaped). */
function renderLabels(labels: RequestLabels, names: readonly (keyof RequestLabels)[]): string {
  let out = "";
  for (const name of names) {
    const v = labels[name];
    const escaped = /[\\"\n]/.test(v)
      ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
      : v;
    out += `${out ? "," : ""}${name}="${escaped}"`;
  }
  return out;
}

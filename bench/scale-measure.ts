/**
 * What bench:scale measures: client-side API call latency per verb and
 * resource, classified into the Kubernetes API-call SLO scopes, and the
 * peak RSS and CPU of child processes sampled from /proc.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { KObject } from "../src/api/types.ts";
import type {
  ListOptions,
  ObjectList,
  PatchType,
  ResourceRef,
  RestClient,
} from "../src/client/rest-client.ts";
import { ApiError } from "../src/client/api-error.ts";
import { percentiles, type Percentiles } from "./lib/percentiles.ts";
import { processCpuMs } from "./lib/proc-stat.ts";

type DeleteOptions = Parameters<RestClient["delete"]>[3];

/** SLO scopes (upstream api_call_latency SLI). */
export type Scope = "mutating" | "get" | "namespace-list" | "cluster-list";

/** p99 thresholds in ms per scope (upstream SLOs). */
export const sloMs: Record<Scope, number> = {
  mutating: 1000,
  get: 1000,
  "namespace-list": 5000,
  "cluster-list": 30_000,
};

export interface CallStats extends Percentiles {
  verb: string;
  resource: string;
  scope: Scope;
  errors: number;
  /** Failed calls by kind: the HTTP code of an API error, else the error's code or name. */
  errorKinds: Record<string, number>;
}

/** What kind of failure err is: "429", "504", "ECONNRESET", "Error". */
export function errorKind(err: unknown): string {
  if (err instanceof ApiError) return String(err.code);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return err instanceof Error ? err.name : typeof err;
}

/** Records the latency of every call made through it; the client must not throttle (qps very high). */
export class LatencyRecorder {
  private samples = new Map<
    string,
    { scope: Scope; ms: number[]; errors: number; kinds: Record<string, number> }
  >();

  constructor(private readonly client: RestClient) {}

  async time<T>(verb: string, ref: ResourceRef, scope: Scope, fn: () => Promise<T>): Promise<T> {
    // Keyed by scope too: a cluster-wide LIST of a resource is not a namespace LIST of it.
    const key = `${verb}|${ref.resource}|${scope}`;
    let s = this.samples.get(key);
    if (!s) this.samples.set(key, (s = { scope, ms: [], errors: 0, kinds: {} }));
    const t = performance.now();
    try {
      return await fn();
    } catch (err) {
      s.errors++;
      const kind = errorKind(err);
      s.kinds[kind] = (s.kinds[kind] ?? 0) + 1;
      throw err;
    } finally {
      s.ms.push(performance.now() - t);
    }
  }

  create<T = KObject>(ref: ResourceRef, ns: string | undefined, obj: unknown): Promise<T> {
    return this.time("POST", ref, "mutating", () => this.client.create<T>(ref, ns, obj as T));
  }

  patch(ref: ResourceRef, ns: string | undefined, name: string, type: PatchType, body: unknown) {
    return this.time("PATCH", ref, "mutating", () =>
      this.client.patchIgnoringAnswer(ref, ns, name, type, body),
    );
  }

  delete(ref: ResourceRef, ns: string | undefined, name: string, opts?: DeleteOptions) {
    return this.time("DELETE", ref, "mutating", () => this.client.delete(ref, ns, name, opts));
  }

  get<T = KObject>(ref: ResourceRef, ns: string | undefined, name: string): Promise<T> {
    return this.time("GET", ref, "get", () => this.client.get<T>(ref, ns, name));
  }

  list<T = KObject>(ref: ResourceRef, ns: string | undefined, opts?: ListOptions) {
    const scope: Scope = ns ? "namespace-list" : "cluster-list";
    return this.time<ObjectList<T>>("LIST", ref, scope, () => this.client.list<T>(ref, ns, opts));
  }

  /** Per verb and resource. */
  calls(): CallStats[] {
    return [...this.samples].map(([key, s]) => {
      const [verb, resource] = key.split("|") as [string, string, Scope];
      const { scope, errors, kinds } = s;
      return { verb, resource, scope, errors, errorKinds: kinds, ...percentiles(s.ms) };
    });
  }

  /** All samples of a scope. */
  scope(scope: Scope): Percentiles & { errors: number } {
    const ms: number[] = [];
    let errors = 0;
    for (const s of this.samples.values())
      if (s.scope === scope) {
        ms.push(...s.ms);
        errors += s.errors;
      }
    return { ...percentiles(ms), errors };
  }
}

/** Samples RSS and CPU time of processes by pid, and the 1-minute load average, once a second. */
export class ProcessSampler {
  private peaks = new Map<string, number>();
  private latest = new Map<string, number>();
  private loads: number[] = [];
  private cpu0 = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: Record<string, number>) {
    for (const [name, pid] of Object.entries(pids)) this.cpu0.set(name, cpuSeconds(pid));
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    this.loads.push(loadavg()[0]!);
    for (const [name, pid] of Object.entries(this.pids)) {
      const kib = statusField(pid, "VmRSS");
      this.latest.set(name, kib);
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, kib));
    }
  }

  /** The last sampled RSS of each process in MiB. */
  rssMiB(): Record<string, number> {
    return Object.fromEntries([...this.latest].map(([n, kib]) => [n, kib / 1024]));
  }

  /** Mean and maximum of the 1-minute load average over the samples so far. */
  load(): { mean: number; max: number } {
    if (!this.loads.length) return { mean: NaN, max: NaN };
    let sum = 0;
    for (const l of this.loads) sum += l;
    return { mean: sum / this.loads.length, max: Math.max(...this.loads) };
  }

  /** CPU seconds each process has used since the sampler was made. */
  cpuSeconds(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.pids).map(([n, pid]) => [n, cpuSeconds(pid) - (this.cpu0.get(n) ?? 0)]),
    );
  }

  /** Peak RSS (MiB; the larger of sampled and the kernel's high-water mark) and CPU seconds used. */
  stop(): Record<string, { peakRssMiB: number; cpuSeconds: number }> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const out: Record<string, { peakRssMiB: number; cpuSeconds: number }> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const hwm = statusField(pid, "VmHWM");
      out[name] = {
        peakRssMiB: Math.max(hwm, this.peaks.get(name) ?? 0) / 1024,
        cpuSeconds: cpuSeconds(pid) - (this.cpu0.get(name) ?? 0),
      };
    }
    return out;
  }
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function cpuSeconds(pid: number): number {
  try {
    return processCpuMs(pid) / 1000;
  } catch {
    return 0;
  }
}

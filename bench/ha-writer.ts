/**
 * A client writing continuously through one API server during fault
 * injection: it creates ConfigMaps one after another (each request bounded
 * by a timeout) and records every attempt, so a benchmark can tell the
 * longest stretch without an acknowledged write and check afterwards that
 * every acknowledged write is stored.
 */
import { performance } from "node:perf_hooks";
import type { KObject } from "../src/api/types.ts";
import { ApiError } from "../src/client/api-error.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";

export interface Attempt {
  name: string;
  start: number;
  end: number;
  ok: boolean;
  /** HTTP code of a refused write, or the transport error. */
  error?: string;
}

export class ContinuousWriter {
  readonly attempts: Attempt[] = [];
  #client: RestClient;
  #stop = false;
  #loop: Promise<void> | undefined;
  #seq = 0;

  constructor(
    kubeconfig: string,
    private readonly prefix: string,
    private readonly timeoutMs = 10_000,
    /**
     * 0: one write after another. N > 0: a new write every N ms whatever the
     * earlier ones do (clients of a real cluster do not wait on each other).
     */
    private readonly intervalMs = 0,
  ) {
    this.#client = new RestClient({ ...loadKubeconfig(kubeconfig), qps: 1000, burst: 1000 });
  }

  start(): void {
    if (this.intervalMs > 0) {
      this.#loop = (async () => {
        const inFlight = new Set<Promise<void>>();
        while (!this.#stop) {
          if (inFlight.size < 64) {
            const p: Promise<void> = this.#writeOnce().finally(() => inFlight.delete(p));
            inFlight.add(p);
          }
          await new Promise((r) => setTimeout(r, this.intervalMs));
        }
        await Promise.all(inFlight);
      })();
      return;
    }
    this.#loop = (async () => {
      while (!this.#stop) await this.#writeOnce();
    })();
  }

  async #writeOnce(): Promise<void> {
    const name = `${this.prefix}-${this.#seq++}`;
    const start = performance.now();
    try {
      await this.#client.request("POST", "/api/v1/namespaces/default/configmaps", {
        body: {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, labels: { bench: "ha" } },
        } as KObject,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      this.attempts.push({ name, start, end: performance.now(), ok: true });
    } catch (err) {
      const error = err instanceof ApiError ? `${err.code} ${err.reason}` : (err as Error).name;
      this.attempts.push({ name, start, end: performance.now(), ok: false, error });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The slowest single write that started in [from, to], acknowledged or not (ms). */
  slowest(from: number, to: number): number {
    let max = 0;
    for (const a of this.attempts)
      if (a.start >= from && a.start <= to) max = Math.max(max, a.end - a.start);
    return max;
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
    this.#client.close();
  }

  /** Longest time between two acknowledgements (or window edges) inside [from, to]. */
  longestGap(from: number, to: number): number {
    const acks = this.attempts
      .filter((a) => a.ok && a.end >= from && a.end <= to)
      .map((a) => a.end);
    let prev = from;
    let gap = 0;
    for (const t of [...acks, to]) {
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    return gap;
  }

  /** Failed attempts that started in [from, to], by error. */
  failures(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.attempts)
      if (!a.ok && a.start >= from && a.start <= to)
        out[a.error ?? "?"] = (out[a.error ?? "?"] ?? 0) + 1;
    return out;
  }

  acknowledged(): string[] {
    return this.attempts.filter((a) => a.ok).map((a) => a.name);
  }
}

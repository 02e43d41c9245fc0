/**
 * Follows the benchmark's pods through one cluster-wide watch (as the
 * pod-startup SLI does): when each was first seen (created), bound and
 * Running with all containers running; re-lists when the watch ends.
 */
import { performance } from "node:perf_hooks";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { podsRef } from "../src/client/resources.ts";
import type { RestClient } from "../src/client/rest-client.ts";

interface Seen {
  created: number;
  bound?: number;
  running?: number;
  /** Owned by a ReplicaSet (startup latency counts only these, as upstream counts stateless pods). */
  stateless: boolean;
  finished: boolean;
}

export class PodTracker {
  private pods = new Map<string, Seen>();
  private abort = new AbortController();
  private done?: Promise<void>;
  /** Pods currently present. */
  live = 0;
  relists = 0;

  constructor(
    private readonly client: RestClient,
    private readonly selector: string,
  ) {}

  async start(): Promise<void> {
    let rv = await this.relist();
    this.done = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          for await (const ev of this.client.watch<Pod>(
            podsRef,
            undefined,
            { labelSelector: this.selector, resourceVersion: rv, allowWatchBookmarks: true },
            this.abort.signal,
          )) {
            if (ev.type === "ERROR") break;
            rv = ev.object.metadata?.resourceVersion ?? rv;
            if (ev.type === "BOOKMARK") continue;
            this.observe(ev.object, ev.type === "DELETED");
          }
        } catch {
          // the watch broke: re-list below
        }
        if (this.abort.signal.aborted) return;
        rv = await this.relist().catch(() => rv);
      }
    })();
  }

  private async relist(): Promise<string> {
    const list = await this.client.list<Pod>(podsRef, undefined, { labelSelector: this.selector });
    this.relists++;
    const present = new Set<string>();
    for (const p of list.items) {
      present.add(p.metadata?.uid ?? "");
      this.observe(p, false);
    }
    this.live = present.size;
    for (const [uid, s] of this.pods) if (!present.has(uid) && !s.finished) s.finished = true;
    return list.metadata.resourceVersion ?? "";
  }

  private observe(p: Pod, deleted: boolean): void {
    const uid = p.metadata?.uid ?? "";
    const now = performance.now();
    let s = this.pods.get(uid);
    if (!s) {
      if (deleted) return;
      s = {
        created: now,
        stateless: !!p.metadata?.ownerReferences?.some((o) => o.kind === "ReplicaSet"),
        finished: false,
      };
      this.pods.set(uid, s);
      this.live++;
    }
    if (deleted) {
      if (!s.finished) this.live--;
      s.finished = true;
      return;
    }
    if (s.bound === undefined && p.spec?.nodeName) s.bound = now;
    const cs = p.status?.containerStatuses ?? [];
    if (
      s.running === undefined &&
      p.status?.phase === "Running" &&
      cs.length > 0 &&
      cs.every((c) => c.state?.running)
    )
      s.running = now;
  }

  /** Stateless pods present and Running, and present in total. */
  counts(): { running: number; stateless: number; live: number } {
    let running = 0;
    let stateless = 0;
    for (const s of this.pods.values())
      if (s.stateless && !s.finished) {
        stateless++;
        if (s.running !== undefined) running++;
      }
    return { running, stateless, live: this.live };
  }

  /** Startup latencies (ms) of stateless pods first seen in [from, to). */
  startupLatencies(from = 0, to = Infinity): number[] {
    const out: number[] = [];
    for (const s of this.pods.values())
      if (s.stateless && s.running !== undefined && s.created >= from && s.created < to)
        out.push(s.running - s.created);
    return out;
  }

  /** Pods bound per second between the first and last binding in [from, to). */
  bindingThroughput(from = 0, to = Infinity): number {
    const times = [...this.pods.values()]
      .map((s) => s.bound)
      .filter((t): t is number => t !== undefined && t >= from && t < to)
      .sort((a, b) => a - b);
    if (times.length < 2) return NaN;
    return ((times.length - 1) / (times[times.length - 1]! - times[0]!)) * 1000;
  }

  /** Time the last stateless pod first seen in [from, to) became Running (NaN if any is not). */
  lastRunning(from = 0, to = Infinity): number {
    let last = 0;
    for (const s of this.pods.values())
      if (s.stateless && s.created >= from && s.created < to) {
        if (s.running === undefined) return NaN;
        last = Math.max(last, s.running);
      }
    return last;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

/**
 * Records core/v1 Events about objects, with client-go's aggregation:
 * - an identical event (same object, type, reason, message, source) seen again
 *   bumps the stored event's count and lastTimestamp instead of creating one;
 * - more than 10 events that differ only by message within 10 minutes are
 *   folded into one event whose message starts "(combined from similar events): ";
 * - then client-go's spam filter: per source and involved object, a burst of
 *   25 events, then one per 5 minutes; the rest are dropped.
 * Recording never throws and never blocks the caller.
 */
import type { KObject } from "../api/types.ts";
import { realClock, type Clock } from "./clock.ts";
import { EventSpamFilter } from "./event-spam-filter.ts";
import type { ResourceRef, RestClient } from "./rest-client.ts";

export const eventsRef: ResourceRef = {
  group: "",
  version: "v1",
  resource: "events",
  namespaced: true,
};

const similarWindowMs = 10 * 60 * 1000;
const similarLimit = 10;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder {
  private seen = new Map<string, Seen>();
  private similar = new Map<string, { messages: Set<string>; since: number }>();
  private readonly clock: Clock;
  private pending = new Set<Promise<void>>();
  /** The last name suffix used: suffixes only grow, so one recorder never repeats a name. */
  private lastNanos = 0n;
  private readonly spamFilter: EventSpamFilter;

  /** `spamBurst`/`spamQPS` override client-go's 25 and 1/300 per source and object. */
  constructor(
    private readonly client: RestClient,
    private readonly source: { component: string; host?: string },
    opts: { clock?: Clock; spamBurst?: number; spamQPS?: number } = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.spamFilter = new EventSpamFilter(this.clock, { burst: opts.spamBurst, qps: opts.spamQPS });
  }

  event(obj: KObject, type: "Normal" | "Warning", reason: string, message: string): void {
    const p = this.record(obj, type, reason, message).catch(() => {});
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for events being written (for clean shutdown and tests). */
  /**
   * Upstream names events `<object>.<unix nanoseconds in hex>`. Milliseconds
   * times 1e6 exceed a double's integer precision, so this is BigInt; a
   * random sub-millisecond part separates recorders of one process, and a
   * recorder's own names never repeat (two events in one millisecond, or a
   * test clock that stands still, used to collide and lose one).
   */
  private nextNanos(nowMs: number): bigint {
    const candidate = BigInt(nowMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6));
    this.lastNanos = candidate > this.lastNanos ? candidate : this.lastNanos + 1n;
    return this.lastNanos;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async record(obj: KObject, type: string, reason: string, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || "default";
    const involved = {
      kind: obj.kind,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: meta.resourceVersion,
    };
    const base = [
      involved.kind,
      namespace,
      involved.name,
      involved.uid,
      type,
      reason,
      this.source.component,
      this.source.host,
    ].join("|");
    const now = this.clock.now();
    const sim = this.similar.get(base);
    if (!sim || now - sim.since > similarWindowMs) {
      this.similar.set(base, { messages: new Set([message]), since: now });
    } else {
      sim.messages.add(message);
      if (sim.messages.size > similarLimit) message = `(combined from similar events): ${message}`;
    }
    const key = message.startsWith("(combined") ? `${base}|combined` : `${base}|${message}`;
    // As client-go's correlator: aggregate first, then filter spam (new and repeated events alike).
    if (this.spamFilter.filter({ source: this.source, involvedObject: involved })) return;
    const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
    const existing = this.seen.get(key);
    if (existing) {
      existing.count++;
      try {
        await this.client.patch(eventsRef, existing.namespace, existing.name, "merge", {
          count: existing.count,
          lastTimestamp: stamp,
          message,
        });
        return;
      } catch {
        this.seen.delete(key);
      }
    }
    const name = `${meta.name ?? "unknown"}.${this.nextNanos(now).toString(16)}`;
    const created = await this.client.create<KObject>(eventsRef, namespace, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source: { component: this.source.component, host: this.source.host },
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? "",
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    });
    this.seen.set(key, {
      name: created.metadata?.name ?? name,
      namespace,
      count: 1,
      firstTimestamp: stamp,
    });
  }
}

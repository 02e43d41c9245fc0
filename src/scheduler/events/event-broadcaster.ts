/**
 * An events.k8s.io/v1 event broadcaster, as client-go's tools/events that
 * kube-scheduler records with:
 * - recording never blocks the caller: events go to a queue and are written
 *   in the background, at most `maxInFlight` requests at a time. Upstream's
 *   channel holds 1,000 events (DropIfChannelFull) but is drained at once
 *   into one goroutine per event, so its backlog of unwritten events is
 *   unbounded; this queue drops events beyond 10,000 unwritten ones;
 * - isomorphic events (same type, action, reason, reporting controller and
 *   instance, regarding and related objects; the note is not compared) form
 *   a series: the second one PATCHes `series` {count 2, lastObservedTime},
 *   later ones only count in memory until the 30-minute refresh or the
 *   6-minute finish writes the count;
 * - a write that fails in transport is retried up to 12 times, about 10 s
 *   apart; one the server rejects is dropped (a series patch of a vanished
 *   event becomes a create);
 * - with useApi("v1") (the server does not serve events.k8s.io/v1, see
 *   detectEventsApi) events are written as core/v1 Events instead, as
 *   client-go's EventBroadcasterAdapter falls back to the legacy recorder
 *   (see core-v1-events.ts).
 */
import { hostname } from "node:os";
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists, isNotFound, ApiError } from "../../client/api-error.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import { resourcePath, type ResourceRef, type RestClient } from "../../client/rest-client.ts";
import {
  coreEventsRef,
  coreV1Event,
  coreV1RepeatPatch,
  SpamFilter,
  type CoreEventInput,
  type EventsApi,
} from "./core-v1-events.ts";

export const eventsV1Ref: ResourceRef = {
  group: "events.k8s.io",
  version: "v1",
  resource: "events",
  namespaced: true,
};

const maxTriesPerEvent = 12;
const finishTimeMs = 6 * 60_000;
const refreshTimeMs = 30 * 60_000;
export const maxQueuedEvents = 10_000;

interface ObjectRef {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** An events.k8s.io/v1 Event (the fields this broadcaster writes). */
export interface EventV1 {
  apiVersion: "events.k8s.io/v1";
  kind: "Event";
  metadata: { name: string; namespace: string };
  eventTime: string;
  series?: { count: number; lastObservedTime: string };
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  regarding: ObjectRef;
  related?: ObjectRef;
  note: string;
  type: "Normal" | "Warning";
}

/** Records events for one reporting controller (a scheduler profile). */
export interface EventsRecorder {
  eventf(
    regarding: KObject,
    related: KObject | undefined,
    type: "Normal" | "Warning",
    reason: string,
    action: string,
    note: string,
  ): void;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  // Events come in bursts within one millisecond: format each millisecond once.
  if (ms !== lastMicroMs) {
    lastMicroText = new Date(ms).toISOString().replace("Z", "000Z");
    lastMicroMs = ms;
  }
  return lastMicroText;
}
let lastMicroMs = NaN;
let lastMicroText = "";

const refOf = (o: KObject): ObjectRef => ({
  kind: o.kind,
  namespace: o.metadata?.namespace,
  name: o.metadata?.name,
  uid: o.metadata?.uid,
  apiVersion: o.apiVersion,
  resourceVersion: o.metadata?.resourceVersion,
});

const refKey = (r: ObjectRef | undefined): string =>
  r ? [r.kind, r.namespace, r.name, r.uid, r.apiVersion, r.resourceVersion].join("/") : "";

/** upstream getKey: everything but the note and the times. */
const isomorphicKey = (e: EventV1): string =>
  [
    e.type,
    e.action,
    e.reason,
    e.reportingController,
    e.reportingInstance,
    refKey(e.regarding),
    refKey(e.related),
  ].join("\0");

export interface BroadcasterOptions {
  clock: Clock;
  /** Concurrent writes (default 16). */
  maxInFlight?: number;
  /** Unwritten events kept; later ones are dropped (default 10,000). */
  maxQueued?: number;
  /** Delay between retries of a failed write (default 10 s, jittered by 25%). */
  retryDelayMs?: number;
  /** Host part of reportingInstance (default os.hostname()). */
  hostname?: string;
  /** The Event API written (default events.k8s.io/v1); see useApi. */
  api?: EventsApi;
}

/** Legacy recorder's cache size (maxLruCacheEntries). */
const maxCoreCacheEntries = 4096;

export class EventBroadcaster {
  private readonly queue: EventV1[] = [];
  private readonly cache = new Map<string, EventV1>();
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private timers: TimerHandle[] = [];
  private closed = false;
  private lastNanos = 0n;
  /** Events dropped because the queue was full. */
  dropped = 0;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly retryDelayMs: number;
  private readonly host: string;
  private api: EventsApi;
  private readonly spam: SpamFilter;

  constructor(
    private readonly client: RestClient,
    private readonly opts: BroadcasterOptions,
  ) {
    this.maxInFlight = opts.maxInFlight ?? 16;
    this.maxQueued = opts.maxQueued ?? maxQueuedEvents;
    this.retryDelayMs = opts.retryDelayMs ?? 10_000;
    this.host = opts.hostname ?? hostname();
    this.api = opts.api ?? "events.k8s.io/v1";
    this.spam = new SpamFilter(opts.clock);
  }

  /** The Event API events are written to from now on (chosen by discovery before start). */
  useApi(api: EventsApi): void {
    this.api = api;
  }

  /** The Event API in use. */
  get eventsApi(): EventsApi {
    return this.api;
  }

  /** Starts the periodic series writes (30-minute refresh, 6-minute finish); close() stops them. */
  start(): void {
    if (this.timers.length || this.closed) return;
    this.every(refreshTimeMs, () => this.refreshSeries());
    this.every(finishTimeMs, () => this.finishSeries());
  }

  /** A recorder whose events carry reportingController and `<controller>-<hostname>`. */
  newRecorder(reportingController: string): EventsRecorder {
    const reportingInstance = `${reportingController}-${this.host}`;
    return {
      eventf: (regarding, related, type, reason, action, note) => {
        if (this.closed) return;
        if (this.queue.length >= this.maxQueued) {
          this.dropped++;
          return;
        }
        const now = this.opts.clock.now();
        const regardingRef = refOf(regarding);
        this.queue.push({
          apiVersion: "events.k8s.io/v1",
          kind: "Event",
          metadata: {
            name: `${regardingRef.name ?? "unknown"}.${this.nextNanos(now).toString(16)}`,
            namespace: regardingRef.namespace || "default",
          },
          eventTime: microTime(now),
          reportingController,
          reportingInstance,
          action,
          reason,
          regarding: regardingRef,
          ...(related ? { related: refOf(related) } : {}),
          note,
          type,
        });
        this.pump();
      },
    };
  }

  /** Resolves once every queued event has been written (or given up). */
  flush(): Promise<void> {
    if (!this.queue.length && !this.inFlight) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Stops the periodic series writes; queued events are still written. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
  }

  /** Unix nanoseconds in the name, strictly increasing within this broadcaster. */
  private nextNanos(nowMs: number): bigint {
    const candidate = BigInt(nowMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6));
    this.lastNanos = candidate > this.lastNanos ? candidate : this.lastNanos + 1n;
    return this.lastNanos;
  }

  private every(ms: number, fn: () => void): void {
    const tick = () => {
      if (this.closed) return;
      fn();
      this.timers.push(this.opts.clock.after(ms, tick));
    };
    this.timers.push(this.opts.clock.after(ms, tick));
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const ev = this.toRecord(this.queue.shift()!);
      if (!ev) continue;
      this.inFlight++;
      void this.attempt(ev).finally(() => {
        this.inFlight--;
        this.pump();
        if (!this.queue.length && !this.inFlight) for (const r of this.idle.splice(0)) r();
      });
    }
    if (!this.queue.length && !this.inFlight) for (const r of this.idle.splice(0)) r();
  }

  /** upstream recordToSink's cache step: what to write for ev, if anything. */
  private toRecord(ev: EventV1): EventV1 | undefined {
    if (this.api === "v1") return this.toCoreRecord(ev);
    const key = isomorphicKey(ev);
    const prior = this.cache.get(key);
    if (!prior) {
      this.cache.set(key, ev);
      return { ...ev };
    }
    const lastObservedTime = microTime(this.opts.clock.now());
    if (prior.series) {
      prior.series = { count: prior.series.count + 1, lastObservedTime };
      return undefined;
    }
    prior.series = { count: 2, lastObservedTime };
    return { ...prior };
  }

  /**
   * The legacy correlator's steps for core/v1: a repeat (same key and
   * message) counts up in `series` and is written as a count patch; the spam
   * filter then drops floods per object.
   */
  private toCoreRecord(ev: EventV1): EventV1 | undefined {
    // upstream getEventKey: source, involved object, type, reason and message (no action or related).
    const key = [ev.reportingController, refKey(ev.regarding), ev.type, ev.reason, ev.note].join(
      "\0",
    );
    let out = this.cache.get(key);
    if (out) {
      out.series = {
        count: (out.series?.count ?? 1) + 1,
        lastObservedTime: microTime(this.opts.clock.now()),
      };
      this.cache.delete(key);
    } else out = ev;
    this.cache.set(key, out);
    if (this.cache.size > maxCoreCacheEntries) this.cache.delete(this.cache.keys().next().value!);
    const r = out.regarding;
    const spamKey = [out.reportingController, r.kind, r.namespace, r.name, r.uid, r.apiVersion];
    if (!this.spam.allow([...spamKey, out.type, out.reason].join("\0"))) return undefined;
    return { ...out };
  }

  private async attempt(ev: EventV1): Promise<void> {
    for (let tries = 1; ; tries++) {
      if ((await this.write(ev)) !== "retry" || tries >= maxTriesPerEvent) return;
      const jitter = 1 + Math.random() * 0.25;
      await new Promise<void>((r) => this.opts.clock.after(this.retryDelayMs * jitter, r));
    }
  }

  /** upstream recordEvent: a series is patched (created when gone), a single event created. */
  private async write(ev: EventV1): Promise<"done" | "retry"> {
    const { namespace, name } = ev.metadata;
    const core = this.api === "v1" ? coreInput(ev) : undefined;
    const ref = core ? coreEventsRef : eventsV1Ref;
    let err: unknown;
    if (ev.series) {
      try {
        const patch = core ? coreV1RepeatPatch(core) : { series: ev.series };
        await this.client.patchIgnoringAnswer(ref, namespace, name, "strategic", patch);
        return "done";
      } catch (e) {
        if (!isNotFound(e)) err = e;
      }
    }
    if (!ev.series || err === undefined) {
      try {
        // Nothing of the answer is read (the event's name is ours): not decoded.
        await this.client.request("POST", resourcePath(ref, namespace), {
          body: core ? coreV1Event(core) : ev,
          ignoreAnswer: true,
        });
        return "done";
      } catch (e) {
        err = e;
      }
    }
    if (err instanceof ApiError) return ev.series && isAlreadyExists(err) ? "retry" : "done";
    return "retry";
  }

  private refreshSeries(): void {
    if (this.api === "v1") return;
    for (const ev of this.cache.values()) if (ev.series) void this.write({ ...ev });
  }

  private finishSeries(): void {
    if (this.api === "v1") return;
    const cutoff = this.opts.clock.now() - finishTimeMs;
    for (const [key, ev] of this.cache) {
      const last = Date.parse(ev.series?.lastObservedTime ?? ev.eventTime);
      if (last >= cutoff) continue;
      this.cache.delete(key);
      if (ev.series) void this.write({ ...ev });
    }
  }
}

/** An event record in core/v1 terms (count and last time from its series). */
function coreInput(ev: EventV1): CoreEventInput {
  const first = Date.parse(ev.eventTime);
  const r = ev.regarding;
  return {
    name: ev.metadata.name,
    namespace: ev.metadata.namespace,
    involvedObject: {
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      uid: r.uid,
      apiVersion: r.apiVersion,
      resourceVersion: r.resourceVersion,
    },
    reason: ev.reason,
    message: ev.note,
    type: ev.type,
    component: ev.reportingController,
    firstMs: first,
    lastMs: ev.series ? Date.parse(ev.series.lastObservedTime) : first,
    count: ev.series?.count ?? 1,
  };
}

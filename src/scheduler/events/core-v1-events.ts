/**
 * The core/v1 side of the scheduler's event broadcaster, as client-go's
 * EventBroadcasterAdapter: when the API server does not serve
 * events.k8s.io/v1 (discovery of that group version fails), recorders fall
 * back to the legacy core/v1 recorder. Its events carry involvedObject,
 * reason, message, source.component (= reportingComponent), first/last
 * timestamps and a count; the action and related object are dropped (as
 * record.NewEventRecorderAdapter does). Repeats of one event (same source,
 * object, type, reason and message) increase its count with a PATCH, and a
 * per-object spam filter (a token bucket of 25, refilled one per 5 minutes)
 * drops floods, as the legacy EventCorrelator's logger and spam filter.
 * The correlator's aggregation of similar events is not done.
 */
import type { KObject } from "../../api/types.ts";
import type { Clock } from "../../client/clock.ts";
import type { ResourceRef, RestClient } from "../../client/rest-client.ts";
import { TokenBucket } from "../../client/workqueue/rate-limiter.ts";

/** Which Event API the broadcaster writes. */
export type EventsApi = "events.k8s.io/v1" | "v1";

export const coreEventsRef: ResourceRef = {
  group: "",
  version: "v1",
  resource: "events",
  namespaced: true,
};

/**
 * Upstream's adapter check: events.k8s.io/v1 when discovery of that group
 * version succeeds, else (any error) the core/v1 fallback.
 */
export async function detectEventsApi(client: RestClient): Promise<EventsApi> {
  try {
    await client.request("GET", "/apis/events.k8s.io/v1");
    return "events.k8s.io/v1";
  } catch {
    return "v1";
  }
}

/** What the broadcaster knows of an event, in core/v1 terms. */
export interface CoreEventInput {
  name: string;
  namespace: string;
  involvedObject: Record<string, string | undefined>;
  reason: string;
  message: string;
  type: string;
  component: string;
  firstMs: number;
  lastMs: number;
  count: number;
}

/** metav1.Time: RFC 3339 in whole seconds. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A v1 Event as the legacy recorder makes it (record.makeEvent; host left empty). */
export function coreV1Event(e: CoreEventInput): KObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: e.name, namespace: e.namespace },
    involvedObject: e.involvedObject,
    reason: e.reason,
    message: e.message,
    source: { component: e.component },
    firstTimestamp: rfc3339(e.firstMs),
    lastTimestamp: rfc3339(e.lastMs),
    count: e.count,
    type: e.type,
    reportingComponent: e.component,
    reportingInstance: "",
  } as KObject;
}

/** The PATCH the legacy recorder sends for a repeat (count, lastTimestamp, message). */
export function coreV1RepeatPatch(e: CoreEventInput): Record<string, unknown> {
  return { count: e.count, lastTimestamp: rfc3339(e.lastMs), message: e.message };
}

/** Legacy spam filter defaults: burst 25, one more every 300 s, per source + object + type + reason. */
export const spamBurst = 25;
export const spamQps = 1 / 300;
const maxSpamKeys = 4096;

/** The legacy EventSourceObjectSpamFilter (an LRU of token buckets). */
export class SpamFilter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly clock: Clock) {}

  /** True when an event with this spam key may be written now. */
  allow(key: string): boolean {
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key);
    else b = new TokenBucket(spamQps, spamBurst, this.clock);
    this.buckets.set(key, b);
    if (this.buckets.size > maxSpamKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return b.tryTake();
  }
}

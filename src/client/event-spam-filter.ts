/**
 * client-go's EventSourceObjectSpamFilter: every (source, involved object)
 * pair has a token bucket (burst 25, refilled at 1 token per 5 minutes); an
 * event recorded when its bucket is empty is dropped. Buckets live in an LRU
 * of 4096 keys, as upstream's cache.
 */
import type { Clock } from "./clock.ts";
import { TokenBucket } from "./workqueue/rate-limiter.ts";

/** Upstream's defaultSpamBurst. */
export const DEFAULT_SPAM_BURST = 25;
/** Upstream's defaultSpamQPS: one event per 5 minutes. */
export const DEFAULT_SPAM_QPS = 1 / 300;
const maxLruCacheEntries = 4096;

/** The fields of an event the spam key is built from. */
export interface SpamKeyFields {
  source: { component: string; host?: string };
  involvedObject: {
    kind?: string;
    namespace?: string;
    name?: string;
    uid?: string;
    apiVersion?: string;
  };
}

/** Upstream's getSpamKey: source and involved object, not reason or message. */
export function spamKey(e: SpamKeyFields): string {
  const o = e.involvedObject;
  return [
    e.source.component,
    e.source.host ?? "",
    o.kind ?? "",
    o.namespace ?? "",
    o.name ?? "",
    o.uid ?? "",
    o.apiVersion ?? "",
  ].join("");
}

export class EventSpamFilter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly qps: number;
  private readonly burst: number;

  constructor(
    private readonly clock: Clock,
    opts: { qps?: number; burst?: number } = {},
  ) {
    this.qps = opts.qps ?? DEFAULT_SPAM_QPS;
    this.burst = opts.burst ?? DEFAULT_SPAM_BURST;
  }

  /** True when the event must be dropped (its bucket is empty); takes a token otherwise. */
  filter(e: SpamKeyFields): boolean {
    const key = spamKey(e);
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: most recently used last
    } else {
      bucket = new TokenBucket(this.qps, this.burst, this.clock);
      if (this.buckets.size >= maxLruCacheEntries) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    return !bucket.tryTake();
  }
}

/**
 * EventRateLimit admission (off by default), as upstream: writes of Events
 * are limited by token buckets per limit type (Server, Namespace, User,
 * SourceAndObject) from its configuration (eventratelimit.admission.k8s.io
 * Configuration `limits: [{type, qps, burst, cacheSize}]`); an exhausted
 * bucket answers 429 "Too many requests: limit reached on type <type> for
 * key <key>". Buckets of the least recently used keys beyond cacheSize are
 * dropped. Dry runs are not limited.
 */
import { StatusError } from "../../../api/status.ts";
import type { Clock } from "../../../client/clock.ts";
import { TokenBucket } from "../../../client/workqueue/rate-limiter.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";

export interface EventRateLimit {
  type: "Server" | "Namespace" | "User" | "SourceAndObject";
  qps: number;
  burst: number;
  cacheSize?: number;
}

type Event = {
  source?: { component?: string; host?: string };
  reportingController?: string;
  involvedObject?: Record<string, string | undefined>;
  regarding?: Record<string, string | undefined>;
};

function keyOf(type: EventRateLimit["type"], attrs: AdmissionAttributes): string {
  switch (type) {
    case "Server":
      return "";
    case "Namespace":
      return attrs.namespace;
    case "User":
      return attrs.user.username;
    case "SourceAndObject": {
      const e = (attrs.object ?? {}) as Event;
      const o = e.involvedObject ?? e.regarding ?? {};
      return [
        e.source?.component ?? e.reportingController ?? "",
        e.source?.host ?? "",
        o.kind,
        o.namespace,
        o.name,
        o.uid,
        o.apiVersion,
      ].join("");
    }
  }
}

/** Parses the plugin's configuration; throws on a missing or bad one, as upstream does at start-up. */
export function eventRateLimits(config: unknown): EventRateLimit[] {
  const limits = (config as { limits?: EventRateLimit[] } | undefined)?.limits;
  if (!Array.isArray(limits) || limits.length === 0)
    throw new Error("EventRateLimit: a configuration with at least one limit is required");
  for (const l of limits) {
    if (!["Server", "Namespace", "User", "SourceAndObject"].includes(l.type))
      throw new Error(`EventRateLimit: unknown limit type "${l.type}"`);
    if (!(l.qps > 0) || !(l.burst > 0))
      throw new Error(`EventRateLimit: limit ${l.type} needs qps and burst above 0`);
  }
  return limits;
}

export function eventRateLimitPlugin(limits: EventRateLimit[], clock: Clock): AdmissionPlugin {
  const buckets = limits.map(() => new Map<string, TokenBucket>());
  return {
    name: "EventRateLimit",
    validate(attrs) {
      if (attrs.dryRun || attrs.subresource !== "" || attrs.def.resource !== "events") return;
      if (attrs.def.group !== "" && attrs.def.group !== "events.k8s.io") return;
      if (attrs.operation !== "CREATE" && attrs.operation !== "UPDATE") return;
      const errors: string[] = [];
      limits.forEach((limit, i) => {
        const cache = buckets[i]!;
        const key = keyOf(limit.type, attrs);
        let bucket = cache.get(key);
        if (bucket) cache.delete(key);
        else bucket = new TokenBucket(limit.qps, limit.burst, clock);
        cache.set(key, bucket);
        const size = limit.cacheSize ?? 4096;
        while (cache.size > size) cache.delete(cache.keys().next().value!);
        if (!bucket.tryTake()) errors.push(`limit reached on type ${limit.type} for key ${key}`);
      });
      if (errors.length)
        throw new StatusError(
          "TooManyRequests",
          `Too many requests: ${errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`}`,
        );
    },
  };
}

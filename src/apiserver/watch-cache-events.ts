/**
 * The events a WatchCache keeps and hands to client watches: storage's PUT
 * and DELETE events as ADDED, MODIFIED and DELETED (upstream's
 * watchCacheEvent), and the subscription a client watch reads them from.
 */
import type { StatusError } from "../api/status.ts";
import type { KeyValue } from "../storage/backend.ts";

export type CacheEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One storage event; objects are decoded per served version by the consumer. */
export interface CacheEvent {
  type: CacheEventType;
  revision: number;
  key: string;
  /** The object after the event (for DELETED: the last state, with the delete's revision). */
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** A client's subscription. `next()` resolves with events, or null when the watch ended. */
export interface CacheSubscription {
  next(): Promise<CacheEvent[] | null>;
  /** Why the subscription ended early (slow client, storage failure), if it did. */
  readonly error?: StatusError;
  close(): void;
}

/** A storage event as the cache keeps it. */
export function toCacheEvent(e: {
  type: "PUT" | "DELETE";
  kv: KeyValue;
  prevKv?: KeyValue;
}): CacheEvent {
  if (e.type === "DELETE") {
    const last = e.prevKv ?? e.kv;
    return {
      type: "DELETED",
      revision: e.kv.modRevision,
      key: e.kv.key,
      kv: { ...last, modRevision: e.kv.modRevision },
      prevKv: e.prevKv,
    };
  }
  return {
    type: e.kv.createRevision === e.kv.modRevision ? "ADDED" : "MODIFIED",
    revision: e.kv.modRevision,
    key: e.kv.key,
    kv: e.kv,
    prevKv: e.prevKv,
  };
}

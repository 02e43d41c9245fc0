/**
 * Writes the API server is making under a WatchCache's prefix, announced
 * with their decoding so the cache need not parse the bytes it is about to
 * receive: when the storage event of a key carries exactly the announced
 * bytes, the announced decoding becomes the cache's object for it (and every
 * watcher's), as if the cache had decoded the event itself.
 *
 * Contract: an announcement lives until the storage event carrying its bytes
 * consumes it, the writer withdraws it (its write failed), a later
 * announcement of the key replaces it, or the cache drops its state. Bytes
 * are compared in full, so a decoding is only ever used for the value it was
 * made from, whatever the order of writes, events and withdrawals.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";
import type { ServerContext } from "./context.ts";
import { keyPrefix, objectKey } from "./object-store.ts";

/** One announced write: the bytes being stored and their decoding for def at a revision. */
export interface ExpectedWrite {
  def: ResourceDef;
  value: string;
  /** Called at most once, with the event's revision; returns a private object. */
  decoded: (revision: number) => KObject;
  /** JSON.stringify of that object, if known without serializing it. */
  json?: (revision: number) => string;
}

export class ExpectedWrites {
  readonly #byKey = new Map<string, ExpectedWrite>();

  /**
   * Announces a write of key; returns its withdrawal (call when the write
   * failed). A later announcement of the same key replaces this one (only
   * one of two racing writes can win its compare-and-swap anyway).
   */
  expect(key: string, write: ExpectedWrite): () => void {
    this.#byKey.set(key, write);
    return () => {
      if (this.#byKey.get(key) === write) this.#byKey.delete(key);
    };
  }

  /**
   * The announced decoding of a PUT event's KeyValue, if its bytes are the
   * announced ones (consumed), else undefined.
   */
  take(kv: KeyValue): { def: ResourceDef; obj: KObject; json?: () => string } | undefined {
    const write = this.#byKey.get(kv.key);
    if (!write || write.value !== kv.value) return undefined;
    this.#byKey.delete(kv.key);
    const json = write.json;
    return {
      def: write.def,
      obj: write.decoded(kv.modRevision),
      ...(json && { json: () => json(kv.modRevision) }),
    };
  }

  /** Forgets every announcement (the cache dropped its state). */
  clear(): void {
    this.#byKey.clear();
  }

  get size(): number {
    return this.#byKey.size;
  }
}

/**
 * Announces the write of obj (encoded as value) to its resource's running
 * watch cache, with the decoding of those bytes taken from obj (see
 * ObjectStore.decodingOf); returns the withdrawal, or undefined when no
 * cache runs or reads would convert the object.
 */
export function announceWrite(
  server: ServerContext,
  def: ResourceDef,
  obj: KObject,
  value: string,
): (() => void) | undefined {
  const cache = server.watchCaches.get(keyPrefix(def));
  if (!cache?.ready) return undefined;
  const key = objectKey(def, obj.metadata?.namespace ?? "", obj.metadata?.name ?? "");
  const decoding = server.store.decodingOf(def, obj, cache.announcedDecoding(key, def));
  if (!decoding) return undefined;
  return cache.expectWrite(key, { def, value, ...decoding });
}

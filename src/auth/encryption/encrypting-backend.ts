/**
 * A storage Backend wrapper that encrypts the values of configured resources
 * on write and decrypts them on every read path (get, list, watch events,
 * conflict errors, deletes). Keys and revisions pass through unchanged.
 */
import type { Backend, KeyValue, WatchEvent, Watcher } from "../../storage/backend.ts";
import { isStorageError, StorageError } from "../../storage/errors.ts";
import { hasLatestRevision } from "../../storage/latest-revision.ts";
import { decryptValue, encryptValue, type ResourceEncryption } from "./providers.ts";

/** Wraps `inner` so values under the configured prefixes are stored encrypted. */
export function encryptingBackend(inner: Backend, config: ResourceEncryption[]): Backend {
  const configFor = (key: string) => config.find((c) => c.prefixes.some((p) => key.startsWith(p)));
  // Whether keys under `prefix` may be encrypted: other reads, writes and
  // watches go straight to `inner` (no copies, no extra async hops).
  const mayHold = (prefix: string) =>
    config.some((c) => c.prefixes.some((p) => p.startsWith(prefix) || prefix.startsWith(p)));
  const enc = (key: string, value: string) => {
    const c = configFor(key);
    return c ? encryptValue(c, value) : value;
  };
  const dec = (kv: KeyValue): KeyValue => {
    const c = configFor(kv.key);
    return c && kv.value ? { ...kv, value: decryptValue(c, kv.value) } : kv;
  };
  const rethrow = (err: unknown): never => {
    if (isStorageError(err, "Conflict") && err.current)
      throw new StorageError(err.code, err.message, { key: err.key, current: dec(err.current) });
    throw err;
  };
  return {
    start: () => inner.start(),
    close: () => inner.close(),
    currentRevision: () => inner.currentRevision(),
    async get(key, opts) {
      if (!configFor(key)) return inner.get(key, opts);
      const r = await inner.get(key, opts);
      return r.kv ? { ...r, kv: dec(r.kv) } : r;
    },
    async list(prefix, opts) {
      if (!mayHold(prefix)) return inner.list(prefix, opts);
      const r = await inner.list(prefix, opts);
      return { ...r, kvs: r.kvs.map(dec) };
    },
    // Keys and revisions only: nothing to decrypt.
    ...(inner.listKeys && { listKeys: (prefix, opts) => inner.listKeys!(prefix, opts) }),
    count: (prefix) => inner.count(prefix),
    async create(key, value, opts) {
      if (!configFor(key)) return inner.create(key, value, opts);
      return { ...(await inner.create(key, enc(key, value), opts).catch(rethrow)), value };
    },
    async update(key, value, expected, opts) {
      if (!configFor(key)) return inner.update(key, value, expected, opts);
      return {
        ...(await inner.update(key, enc(key, value), expected, opts).catch(rethrow)),
        value,
      };
    },
    async delete(key, expected) {
      if (!configFor(key)) return inner.delete(key, expected);
      const r = await inner.delete(key, expected).catch(rethrow);
      return { ...r, prevKv: dec(r.prevKv) };
    },
    watch(prefix, opts): Watcher {
      if (!mayHold(prefix)) return inner.watch(prefix, opts);
      const w = inner.watch(prefix, opts);
      const mapEvent = (e: WatchEvent): WatchEvent => ({
        ...e,
        kv: e.type === "DELETE" ? e.kv : dec(e.kv),
        ...(e.prevKv ? { prevKv: dec(e.prevKv) } : {}),
      });
      return {
        cancel: () => w.cancel(),
        async *[Symbol.asyncIterator]() {
          for await (const batch of w) yield batch.map(mapEvent);
        },
      };
    },
    compact: (revision) => inner.compact(revision),
    compactedRevision: () => inner.compactedRevision(),
    // Progress confirmations carry revisions only: forwarded as they are.
    ...(inner.requestWatchProgress && {
      requestWatchProgress: () => inner.requestWatchProgress!(),
    }),
    ...(inner.watchProgressSupported && {
      watchProgressSupported: () => inner.watchProgressSupported!(),
    }),
    // An in-process latest revision (SQLite) keeps its contract through the
    // wrapper: the watch generator above adds only microtask hops, so events
    // up to it still reach consumers before the next macrotask. Without it,
    // consistent LISTs could never be served from the watch cache.
    ...(hasLatestRevision(inner) && { latestRevision: () => inner.latestRevision() }),
  };
}

/**
 * GET and LIST answered from the watch cache's state, where upstream v1.32's
 * cacher answers them, and storage reads that share the cache's decodings.
 *
 * Served from the cache (cacher.shouldDelegateList / Cacher.Get):
 * - LIST with resourceVersion "0": any state; `limit` is ignored (upstream's
 *   computeListLimit), so the whole matching list comes in one page;
 * - LIST with resourceVersion N and resourceVersionMatch NotOlderThan (or no
 *   match and no limit): when the cache is at N or later; `limit` is honoured
 *   and the continue token carries the cache's revision (later pages are
 *   read from storage at that revision, as upstream);
 * - GET with resourceVersion "0", or N when the cache is at N or later.
 * - LIST with resourceVersion unset (a consistent read; upstream's
 *   ConsistentListFromCache, beta and on in v1.32): when the cache can
 *   confirm it holds storage's latest revision (in-process backends, see
 *   WatchCache.freshRevision: in-process backends, and etcd with trusted
 *   watch progress notifications); `limit` is honoured. Otherwise, or when
 *   the cache does not catch up within its bound, consistent lists read
 *   storage.
 * Everything else (continue, Exact, legacy exact with limit, consistent GET)
 * reads storage; decodings of objects the cache holds in the same version
 * are shared instead of parsed again.
 *
 * While the cache re-initializes after storage went quiet (see
 * WatchCache.initializing), GETs and limited unfiltered LISTs read storage
 * and other LISTs get 429 "storage is (re)initializing", as upstream v1.32.
 *
 * Selectors filter the cached objects (decoded once per version). Returned
 * objects are shared: callers render them and must never mutate them.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue, ListOptions as StorageListOptions } from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";
import { hasLatestRevision } from "../storage/latest-revision.ts";
import type { ServerContext } from "./context.ts";
import { encodeContinue, type ListOptions } from "./list-options.ts";
import { keyPrefix, objectKey } from "./object-store.ts";
import { storageErrorToStatus } from "./storage-status.ts";
import type { WatchCache } from "./watch-cache.ts";
import { listKeyed, type KeyListingBackend } from "./watch-cache-keyed-list.ts";
import { CacheElement, WatchCacheStore } from "./watch-cache-store.ts";

/** Items per batch of a list whose items are produced lazily. */
export const LIST_BATCH = 64;

/**
 * One page of a list: the revision read, the continuation, and the matching
 * items in order, in batches. Iterate `batches` once. Pages without a limit
 * (no look-ahead needed) decode and filter their items lazily, batch by
 * batch, so a large LIST can be written while it is read; the items are
 * still those of the snapshot taken when the page was read, whenever they
 * are iterated (cache elements and storage values are per-version and never
 * change).
 */
export interface ListPage {
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
  batches: Iterable<KObject[]>;
}

/** Whether upstream v1.32 answers this LIST from its watch cache. */
export function listServedFromCache(def: ResourceDef, opts: ListOptions): boolean {
  // Webhook-converted resources decode asynchronously: always read storage.
  if (def.convertMany || opts.continueToken) return false;
  const rv = opts.resourceVersion;
  if (opts.resourceVersionMatch === "Exact") return false;
  // Legacy exact match: a limit with resourceVersion N and no match.
  return !(rv && opts.resourceVersionMatch === undefined && opts.limit > 0 && rv !== "0");
}

/**
 * The list from the cache, or undefined when the cache is older than the
 * asked resourceVersion (the caller reads storage). Starts the cache when
 * it is not ready (one storage list).
 */
export async function listFromCache(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  opts: ListOptions,
): Promise<ListPage | undefined> {
  const consistent = opts.resourceVersion === undefined;
  // Only caches that can confirm freshness serve consistent reads: none is started for them otherwise.
  if (consistent && !(await server.watchCaches.forPrefix(keyPrefix(def)).canConfirmFresh()))
    return undefined;
  const filtering = !opts.labelSelector.isEmpty() || !opts.fieldSelector.isEmpty();
  if (server.watchCaches.get(keyPrefix(def))?.initializing) {
    // Re-initializing after storage went quiet (upstream's Pending cacher,
    // KEP-4568): a limited unfiltered list has a bounded cost in storage;
    // the rest are refused with 429 until the cache has listed again.
    if (opts.limit > 0 && !filtering) return undefined;
    throw server.watchCaches.get(keyPrefix(def))!.unavailable();
  }
  const cache = await readyCache(server, def);
  if (!cache) return undefined;
  const rv = Number(opts.resourceVersion ?? 0);
  const fresh = consistent
    ? (await storageCall(def, "", () => cache.freshRevision())) !== undefined
    : await atLeast(cache, rv);
  if (!fresh) return undefined;
  // From here on synchronous: one consistent snapshot at cache.lastRevision.
  const revision = cache.lastRevision;
  const prefix = keyPrefix(def, namespace || undefined);
  const elements = cache.store.under(prefix);
  const limit = opts.resourceVersion === "0" ? 0 : opts.limit;
  const decode = (kv: KeyValue) => server.store.decode(def, kv);
  if (limit === 0) return { revision, batches: cachedBatches(elements, def, decode, opts.matches) };
  const items: KObject[] = [];
  for (let i = 0; i < elements.length; i++) {
    const obj = WatchCacheStore.objectOf(elements[i]!, def, decode);
    if (!opts.matches(obj)) continue;
    items.push(obj);
    if (items.length === limit) {
      if (i === elements.length - 1) break;
      const left = filtering ? undefined : elements.length - i - 1;
      return {
        batches: [items],
        revision,
        continueToken: encodeContinue(revision, elements[i]!.key.slice(prefix.length), left),
        remainingItemCount: left,
      };
    }
  }
  return { revision, batches: [items] };
}

/**
 * The objects that match, in batches of LIST_BATCH; `objects` is pulled
 * (and may decode) only as the batches are consumed.
 */
export function* matchingBatches(
  objects: Iterable<KObject>,
  matches: (obj: KObject) => boolean,
): Generator<KObject[]> {
  let batch: KObject[] = [];
  for (const obj of objects) {
    if (!matches(obj)) continue;
    batch.push(obj);
    if (batch.length === LIST_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The snapshot's matching objects in batches of LIST_BATCH, decoded as they are reached. */
function cachedBatches(
  elements: readonly CacheElement[],
  def: ResourceDef,
  decode: (kv: KeyValue) => KObject,
  matches: (obj: KObject) => boolean,
): Generator<KObject[]> {
  return matchingBatches(
    (function* () {
      for (const el of elements) yield WatchCacheStore.objectOf(el, def, decode);
    })(),
    matches,
  );
}

/**
 * GET with resourceVersion "0" or N from the cache: `{ obj }` (obj undefined
 * when absent at the cache's revision), or undefined when the cache is older
 * than N or cannot start (the caller reads storage).
 */
export async function getFromCache(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  rv: number,
): Promise<{ obj?: KObject } | undefined> {
  if (def.convertMany) return undefined;
  let cache: WatchCache | undefined;
  try {
    cache = await readyCache(server, def);
  } catch {
    // Upstream reads storage while its cache is not initialized.
    return undefined;
  }
  if (!cache || !(await atLeast(cache, rv))) return undefined;
  const el = cache.store.get(objectKey(def, namespace, name));
  if (!el) return {};
  return { obj: WatchCacheStore.objectOf(el, def, (kv) => server.store.decode(def, kv)) };
}

/** An object's state as the watch cache holds it, offered to a write as its starting point. */
export interface CachedCurrent {
  /** The cache's decoding (shared: never mutate it). */
  obj: KObject;
  modRevision: number;
  /** The stored bytes, or undefined when the cache keeps only the decoding (which encodes to them). */
  value?: string;
}

/**
 * The object at (namespace, name) as the running cache holds it, for a
 * guaranteed update to start from instead of reading storage (upstream's
 * cacher hands its cached object to GuaranteedUpdate). Only a suggestion:
 * the write's compare-and-swap confirms it. Undefined when the cache is not
 * running, does not hold the key, converts asynchronously, or (in-process
 * backends) has not yet applied storage's latest revision (nor every event
 * of its prefix published so far: see WatchCache.drained).
 */
export function currentFromCache(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
): CachedCurrent | undefined {
  if (def.convertMany) return undefined;
  const cache = server.watchCaches.get(keyPrefix(def));
  if (!cache?.ready || cache.initializing) return undefined;
  const backend = server.store.backend;
  if (hasLatestRevision(backend) && cache.lastRevision < backend.latestRevision() && !cache.drained)
    return undefined;
  const el = cache.store.get(objectKey(def, namespace, name));
  if (!el) return undefined;
  const obj = WatchCacheStore.objectOf(el, def, (kv) => server.store.decode(def, kv));
  return { obj, modRevision: el.modRevision, value: el.value };
}

/** One page of a storage list whose objects are decoded on demand. */
export interface StoragePage {
  revision: number;
  more: boolean;
  remaining?: number;
  /** The keys read, in order. */
  keys: string[];
  /**
   * The object at index i, decoded when asked (sharing the running cache's
   * decodings). Ask each index at most once: the stored value is released
   * once decoded, so a page being written holds only what is still to come.
   */
  object(i: number): KObject;
}

/**
 * One page of a storage list (as ObjectStore.list), its objects decoded on
 * demand and sharing the decodings of the objects the running cache holds
 * in the same version. Backends that list keys without values (etcd) read
 * only the values the cache does not hold (listKeyed).
 */
export async function listStorage(
  server: ServerContext,
  def: ResourceDef,
  namespace: string | undefined,
  opts: StorageListOptions,
): Promise<StoragePage> {
  if (def.convertMany) {
    // Webhook conversion decodes the whole page at once, asynchronously.
    const page = await server.store.list(def, namespace, opts);
    const objs = page.items.map((item) => item.obj);
    const keys = page.items.map((item) => item.key);
    return { ...page, keys, object: (i) => objs[i]! };
  }
  const backend = server.store.backend;
  const cache = server.watchCaches.get(keyPrefix(def));
  const prefix = keyPrefix(def, namespace);
  const decode = sharedDecoder(server, def);
  if (cache?.ready && backend.listKeys) {
    // Values the cache holds in the same version are not read again (see listKeyed).
    const keyed = await storageCall(def, "", () =>
      listKeyed(backend as KeyListingBackend, cache.store, prefix, opts),
    );
    const items: (KeyValue | CacheElement | undefined)[] = keyed.items;
    const plain = (kv: KeyValue) => server.store.decode(def, kv);
    return {
      ...keyed,
      object(i) {
        const item = taken(items, i);
        return item instanceof CacheElement
          ? WatchCacheStore.objectOf(item, def, plain)
          : decode(item);
      },
    };
  }
  const result = await storageCall(def, "", () => backend.list(prefix, opts));
  const kvs: (KeyValue | undefined)[] = result.kvs;
  return {
    revision: result.revision,
    more: result.more,
    remaining: result.remaining,
    keys: result.kvs.map((kv) => kv.key),
    object: (i) => decode(taken(kvs, i)),
  };
}

/** items[i], released (a page being written holds only what is still to come). */
function taken<T>(items: (T | undefined)[], i: number): T {
  const item = items[i];
  if (!item) throw new Error(`Cannot decode storage list item ${i}: already decoded or absent`);
  items[i] = undefined;
  return item;
}

/** The current object from storage (a consistent read), sharing the cache's decoding. */
export async function getStorage(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
): Promise<KObject | undefined> {
  if (def.convertMany) return server.store.tryGet(def, namespace, name);
  const kv = await server.store.getKV(def, namespace, name);
  return kv ? sharedDecoder(server, def)(kv) : undefined;
}

/** Decodes storage values, reusing the running cache's objects of the same version. */
function sharedDecoder(server: ServerContext, def: ResourceDef): (kv: KeyValue) => KObject {
  const decode = (kv: KeyValue) => server.store.decode(def, kv);
  const cache = server.watchCaches.get(keyPrefix(def));
  if (!cache?.ready) return decode;
  return (kv) => cache.store.decodedLike(kv, def, decode) ?? decode(kv);
}

/** Whether the cache is (or, confirmed fresh, gets) at revision rv or later. */
async function atLeast(cache: WatchCache, rv: number): Promise<boolean> {
  if (rv <= cache.lastRevision) return true;
  // Storage unreachable: the caller reads storage and reports its error.
  const fresh = await cache.freshRevision().catch(() => undefined);
  return fresh !== undefined && rv <= fresh;
}

/**
 * The resource's cache, started (listed) when not ready; storage failures
 * as Status errors; undefined when it stopped meanwhile (server shutdown).
 */
async function readyCache(
  server: ServerContext,
  def: ResourceDef,
): Promise<WatchCache | undefined> {
  const cache = server.watchCaches.forPrefix(keyPrefix(def));
  if (!cache.ready) await storageCall(def, "", () => cache.ensureStarted());
  return cache.ready ? cache : undefined;
}

async function storageCall<T>(def: ResourceDef, name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isStorageError(err))
      throw storageErrorToStatus(err, { group: def.group, resource: def.resource, name });
    throw err;
  }
}

/**
 * Storage lists that take the values they can from the watch cache.
 *
 * A consistent LIST that storage must answer (etcd before v3.4.31 / v3.5.13
 * cannot confirm the cache is fresh, so upstream reads etcd) is read here as
 * a range without values at revision R (etcd's keys_only: keys and
 * revisions), then every key whose (key, modRevision) the cache holds takes
 * the cache's element: etcd writes a key at most once per revision, so that
 * pair names exactly the value a full range at R would return. Only the
 * other keys are read, at R, in runs of neighbouring keys. The result is
 * the full range's, item for item, at the same revision; etcd reads and
 * sends a fraction of the bytes and the server decodes only what changed.
 *
 * When most keys are missing (a cold or lagging cache) one full range at R
 * reads them instead; when R was compacted meanwhile, the list is read
 * again as asked.
 */
import type { Backend, KeyValue, ListOptions, ListResult } from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";
import type { CacheElement, WatchCacheStore } from "./watch-cache-store.ts";

/** A page whose items are values read from storage or the cache's elements of the same version. */
export interface KeyedListResult {
  revision: number;
  more: boolean;
  remaining?: number;
  keys: string[];
  items: (KeyValue | CacheElement)[];
}

/** A backend that lists keys without their values. */
export type KeyListingBackend = Backend & Required<Pick<Backend, "listKeys">>;

/** More runs of missing keys than this and one full range reads the page instead. */
export const MAX_FETCH_RUNS = 32;

/**
 * One page of `prefix` as backend.list(prefix, opts) returns it, its items
 * taken from `store` where it holds the same version.
 */
export async function listKeyed(
  backend: KeyListingBackend,
  store: WatchCacheStore,
  prefix: string,
  opts: ListOptions,
): Promise<KeyedListResult> {
  const listed = await backend.listKeys(prefix, opts);
  const kvs = listed.kvs;
  const items: (KeyValue | CacheElement)[] = new Array(kvs.length);
  const runs: number[] = [];
  let missing = 0;
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    const el = store.get(kv.key);
    if (el && el.modRevision === kv.modRevision) {
      items[i] = el;
      continue;
    }
    missing++;
    // Runs as [start, end) pairs; a miss next to the previous run extends it.
    if (runs.length > 0 && runs[runs.length - 1] === i) runs[runs.length - 1] = i + 1;
    else runs.push(i, i + 1);
  }
  const page = (read: (KeyValue | CacheElement)[]): KeyedListResult => ({
    revision: listed.revision,
    more: listed.more,
    remaining: listed.remaining,
    keys: kvs.map((kv) => kv.key),
    items: read,
  });
  if (missing === 0) return page(items);
  const at = { ...opts, revision: listed.revision };
  try {
    if (missing * 2 > kvs.length || runs.length > 2 * MAX_FETCH_RUNS) {
      return fromFull(await backend.list(prefix, at));
    }
    const reads: Promise<void>[] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const start = runs[r]!;
      const end = runs[r + 1]!;
      const after = start === 0 ? opts.after : kvs[start - 1]!.key;
      reads.push(
        backend
          .list(prefix, { revision: listed.revision, after, limit: end - start })
          .then((got) => {
            for (let i = start; i < end; i++) items[i] = got.kvs[i - start]!;
          }),
      );
    }
    await Promise.all(reads);
  } catch (err) {
    // Revision R compacted since the keys were read: read the list again as asked.
    if (!isStorageError(err, "Compacted") || opts.revision) throw err;
    return fromFull(await backend.list(prefix, opts));
  }
  for (let i = 0; i < kvs.length; i++) {
    const item = items[i];
    if (item?.key !== kvs[i]!.key || item.modRevision !== kvs[i]!.modRevision)
      throw new Error(`Storage list at ${listed.revision} changed under ${prefix} while read`);
  }
  return page(items);
}

/** A full list as a keyed page. */
function fromFull(full: ListResult): KeyedListResult {
  return {
    revision: full.revision,
    more: full.more,
    remaining: full.remaining,
    keys: full.kvs.map((kv) => kv.key),
    items: full.kvs,
  };
}

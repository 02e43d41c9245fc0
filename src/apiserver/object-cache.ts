/**
 * ObjectCache: the current objects of one resource, kept by a list and then
 * the server's watch cache, for admission plugins that read API objects on
 * every request (webhook configurations, policies, bindings, APIServices,
 * namespaces, quotas) — upstream's informer listers, inside the server.
 *
 * Contract: a change is visible to `list()` as soon as the storage watch
 * delivers it (well within a second); `generation` grows on every change so
 * callers can rebuild derived state lazily. When the watch ends (too old,
 * storage failure) the next `list()` re-lists. Returned objects are shared
 * and must not be mutated.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { ServerContext } from "./context.ts";
import { keyPrefix, objectKey } from "./object-store.ts";
import type { CacheSubscription } from "./watch-cache.ts";

const shared = new WeakMap<ServerContext, Map<string, ObjectCache>>();

export class ObjectCache {
  /** The one cache of def's objects for this server, shared by every reader. */
  static shared(server: ServerContext, def: ResourceDef): ObjectCache {
    let byPrefix = shared.get(server);
    if (!byPrefix) shared.set(server, (byPrefix = new Map()));
    const prefix = keyPrefix(def);
    let cache = byPrefix.get(prefix);
    if (!cache) byPrefix.set(prefix, (cache = new ObjectCache(server, def)));
    return cache;
  }

  readonly #server: ServerContext;
  readonly #def: ResourceDef;
  #items = new Map<string, KObject>();
  #sorted?: KObject[];
  #synced?: Promise<void>;
  #sub?: CacheSubscription;
  #generation = 0;
  #everSynced = false;
  #retryAt = 0;
  #closed = false;
  #waiters: (() => void)[] = [];

  constructor(server: ServerContext, def: ResourceDef) {
    this.#server = server;
    this.#def = def;
    server.signal.addEventListener("abort", () => this.close(), { once: true });
  }

  /** Grows on every observed change (and on every re-list). */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The current objects, sorted by name (upstream's order for configurations).
   * Only the first call waits for a list; after a watch ends the re-list runs
   * in the background and the last state is served meanwhile, as an
   * informer's lister does (a storage outage must not stall every request
   * behind a re-list).
   */
  async list(): Promise<KObject[]> {
    await this.#ready();
    return this.listNow()!;
  }

  /**
   * list() without waiting: undefined only until the first list has
   * completed. Lets a reader with nothing to read (no webhooks, no quotas)
   * answer a request without a promise.
   */
  listNow(): KObject[] | undefined {
    if (!this.#usable()) return undefined;
    return (this.#sorted ??= [...this.#items.values()].sort((a, b) =>
      (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    ));
  }

  /**
   * Whether the items can be read now: after the first list. After a watch
   * ended, starts the re-list in the background (at most once a second
   * after a failure); the last state is read meanwhile.
   */
  #usable(): boolean {
    if (!this.#everSynced) return false;
    if (!this.#synced && this.#server.clock.now() >= this.#retryAt) {
      this.#synced = this.#sync().catch(() => {
        // Storage unavailable: serve the last state, try again in a second.
        this.#retryAt = this.#server.clock.now() + 1000;
        this.#synced = undefined;
      });
    }
    return true;
  }

  /** Resolves once the items can be read (waits only for the first list). */
  async #ready(): Promise<void> {
    if (!this.#usable()) await this.#firstSync();
  }

  async #firstSync(): Promise<void> {
    // A watch cache started by others after our list may no longer cover its
    // revision (410): list again, a few times, before failing.
    for (let attempt = 1; ; attempt++) {
      try {
        await (this.#synced ??= this.#sync().catch((err) => {
          this.#synced = undefined;
          throw err;
        }));
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  /** The object stored at key (as ObjectStore keys it), or undefined when the cache has none. */
  async get(key: string): Promise<KObject | undefined> {
    await this.#ready();
    return this.#items.get(key);
  }

  /** get() without waiting: undefined when the cache has not listed yet or has no such object. */
  getNow(key: string): KObject | undefined {
    return this.#usable() ? this.#items.get(key) : undefined;
  }

  /** The objects under a storage key prefix (e.g. one namespace's), in no particular order. */
  async under(prefix: string): Promise<KObject[]> {
    await this.#ready();
    return this.#itemsUnder(prefix);
  }

  /** under() without waiting: undefined only until the first list has completed. */
  underNow(prefix: string): KObject[] | undefined {
    return this.#usable() ? this.#itemsUnder(prefix) : undefined;
  }

  #itemsUnder(prefix: string): KObject[] {
    const out: KObject[] = [];
    for (const [key, obj] of this.#items) if (key.startsWith(prefix)) out.push(obj);
    return out;
  }

  /** Resolves at the next change (or when the cache closes). */
  changed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the watch; list() answers from the last state afterwards. */
  close(): void {
    this.#closed = true;
    this.#sub?.close();
    for (const w of this.#waiters.splice(0)) w();
  }

  async #sync(): Promise<void> {
    const { store, watchCaches } = this.#server;
    const items = new Map<string, KObject>();
    let after: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await store.list(this.#def, undefined, {
        limit: 500,
        after,
        revision: revision || undefined,
      });
      revision = page.revision;
      for (const item of page.items) items.set(item.key, item.obj);
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1].key;
    }
    this.#items = items;
    this.#everSynced = true;
    this.#changed();
    if (this.#closed) return;
    const cache = watchCaches.forPrefix(keyPrefix(this.#def));
    await cache.ensureStarted(revision);
    const sub = cache.subscribe(revision);
    this.#sub = sub;
    void this.#pump(sub);
  }

  async #pump(sub: CacheSubscription): Promise<void> {
    for (;;) {
      const events = await sub.next();
      if (events === null) break;
      for (const e of events) {
        if (e.type === "DELETED") this.#items.delete(e.key);
        else this.#items.set(e.key, this.#server.store.decode(this.#def, e.kv));
      }
      this.#changed();
    }
    // The watch ended: re-list on the next use.
    if (!this.#closed) this.#synced = undefined;
  }

  #changed(): void {
    this.#sorted = undefined;
    this.#generation++;
    for (const w of this.#waiters.splice(0)) w();
  }
}

/**
 * One object as upstream's listers serve it: from the shared cache at once
 * on a hit (no promise); else from the cache once listed, or from storage
 * (not listed yet, or created a moment ago).
 */
export function cachedOrStored(
  s: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
): KObject | Promise<KObject | undefined> {
  return (
    ObjectCache.shared(s, def).getNow(objectKey(def, namespace, name)) ??
    listedOrStored(s, def, namespace, name)
  );
}

/** The object from the shared cache once it is listed, else from storage. */
export async function listedOrStored(
  s: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
): Promise<KObject | undefined> {
  const listed = await ObjectCache.shared(s, def)
    .get(objectKey(def, namespace, name))
    .catch(() => undefined);
  return listed ?? (await s.store.tryGet(def, namespace, name));
}

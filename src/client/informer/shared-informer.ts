/**
 * A shared informer: lists a resource, then watches it from the list's
 * resourceVersion, keeping an Indexer current and telling handlers about
 * adds, updates and deletes. Re-lists on 410 Gone and after errors (with
 * backoff). Contract: the cache is at least as fresh as any notification.
 */
import type { KObject } from "../../api/types.ts";
import { isGone } from "../api-error.ts";
import { realClock, sleep, type Clock, type TimerHandle } from "../clock.ts";
import type { ListOptions, ResourceRef, RestClient } from "../rest-client.ts";
import { Indexer, objectKey, type IndexFunc } from "./store.ts";

export interface EventHandlers<T extends KObject = KObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** For deletes seen only through a re-list the final state may be stale. */
  delete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-delivers every cached object as an update this often (0: never). */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc>;
  clock?: Clock;
  onError?(err: unknown): void;
}

export class SharedInformer<T extends KObject = KObject> {
  readonly indexer: Indexer<T>;
  private handlers: EventHandlers<T>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private resourceVersion = "";
  private readonly clock: Clock;
  private abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly client: RestClient,
    private readonly ref: ResourceRef,
    private readonly opts: InformerOptions = {},
  ) {
    this.indexer = new Indexer<T>(opts.indexers);
    this.clock = opts.clock ?? realClock;
  }

  /** Handlers added after sync receive an add for every cached object first. */
  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.indexer.list()) h.add?.(obj);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Resolves true once the first list has been stored and delivered, or
   * false as soon as signal aborts before that (upstream WaitForCacheSync's
   * stop channel): a caller stopped while the cache cannot fill (the
   * resource not served, the server down) must return, not wait forever.
   */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      };
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Starts the list/watch loop (idempotent). */
  start(): void {
    if (!this.running) this.running = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    let backoff = 200;
    let resync = this.scheduleResync();
    while (!this.abort.signal.aborted) {
      try {
        await this.listAndReplace();
        backoff = 200;
        for (;;) {
          const ended = await this.watchOnce();
          if (ended === "relist" || this.abort.signal.aborted) break;
        }
      } catch (err) {
        if (this.abort.signal.aborted) break;
        this.opts.onError?.(err);
        await sleep(this.clock, backoff, this.abort.signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
    resync?.cancel();
    resync = undefined;
  }

  private scheduleResync(): TimerHandle | undefined {
    const every = this.opts.resyncMs ?? 0;
    if (every <= 0) return undefined;
    let handle: TimerHandle;
    const fire = () => {
      if (this.abort.signal.aborted) return;
      for (const obj of this.indexer.list()) for (const h of this.handlers) h.update?.(obj, obj);
      handle = this.clock.after(every, fire);
    };
    handle = this.clock.after(every, fire);
    return { cancel: () => handle.cancel() };
  }

  private listOptions(): ListOptions {
    return { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
  }

  private async listAndReplace(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = "";
    do {
      const page = await this.client.list<T>(this.ref, this.opts.namespace, {
        ...this.listOptions(),
        limit: 500,
        continue: cont,
      });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      stripManagedFields(obj);
      const old = this.indexer.put(obj);
      for (const h of this.handlers) {
        if (old) {
          if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) h.update?.(old, obj);
        } else h.add?.(obj);
      }
    }
    for (const key of this.indexer.keys()) {
      if (seen.has(key)) continue;
      const old = this.indexer.remove(key);
      if (old) for (const h of this.handlers) h.delete?.(old);
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** One watch request; "relist" when the server says our resourceVersion is too old. */
  private async watchOnce(): Promise<"relist" | "again"> {
    try {
      const events = this.client.watch<T>(
        this.ref,
        this.opts.namespace,
        {
          ...this.listOptions(),
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        },
        this.abort.signal,
      );
      for await (const ev of events) {
        if (ev.type === "ERROR") {
          const code = (ev.object as { code?: number }).code;
          if (code === 410) return "relist";
          throw new Error(`watch ${this.ref.resource}: ${JSON.stringify(ev.object)}`);
        }
        const rv = ev.object.metadata?.resourceVersion;
        if (ev.type === "BOOKMARK") {
          if (rv) this.resourceVersion = rv;
          continue;
        }
        const key = objectKey(ev.object);
        if (ev.type === "DELETED") {
          const old = this.indexer.remove(key);
          for (const h of this.handlers) h.delete?.(old ?? ev.object);
        } else {
          stripManagedFields(ev.object);
          const old = this.indexer.put(ev.object);
          for (const h of this.handlers) {
            if (old) h.update?.(old, ev.object);
            else h.add?.(ev.object);
          }
        }
        if (rv) this.resourceVersion = rv;
      }
      return "again";
    } catch (err) {
      if (isGone(err)) return "relist";
      throw err;
    }
  }
}

/**
 * Informers keep objects without metadata.managedFields, as upstream's
 * controller manager and scheduler transform theirs: no consumer reads them,
 * they are often the bulk of an object, and an update sent without them
 * keeps the stored ones. The metadata is copied without the field rather
 * than the field deleted: a deletion that is not of the last property added
 * turns the object into a dictionary (V8), whose reads are ~4x slower and
 * which holds ~0.4 KiB more per pod.
 */
export function stripManagedFields(obj: { metadata?: { managedFields?: unknown } }): void {
  const meta = obj.metadata;
  if (meta?.managedFields === undefined) return;
  const { managedFields: _, ...rest } = meta;
  obj.metadata = rest;
}

/**
 * Waits for every informer's first list (upstream cache.WaitForCacheSync):
 * true once all synced, false as soon as signal aborts (the caller returns
 * without touching its caches).
 */
export async function waitForCacheSync(
  signal: AbortSignal,
  informers: readonly { waitForSync(signal?: AbortSignal): Promise<boolean> }[],
): Promise<boolean> {
  const synced = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return synced.every(Boolean);
}

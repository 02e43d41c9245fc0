/**
 * One list+watch of one resource (all namespaces, no selectors) shared by
 * every in-process consumer of `k8ts server`: it keeps the current objects
 * and a bounded ring of recent events, and serves lists and watches from
 * them, so N informers of the same resource cost one server watch and one
 * decoded copy of each object (consumers get the same instances; cached
 * objects are read-only, as in any informer). managedFields are dropped, as
 * the informers themselves do, and repeated string values are shared
 * (`interner`: one instance of each image name, timestamp, owner uid ...).
 *
 * Contracts: a list answers the state at its resourceVersion; a watch from
 * resourceVersion R delivers, in order, every event after R (ring entries,
 * then live ones), or a 410 ERROR event when R is older than the ring or the
 * reflector has re-listed (its state jumped) or the consumer fell more than
 * `bufferSize` events behind. The consumer then re-lists, as from a server.
 */
import type { KObject } from "../api/types.ts";
import { isGone } from "../client/api-error.ts";
import { realClock, sleep, type Clock } from "../client/clock.ts";
import { objectKey } from "../client/informer/store.ts";
import { StringInterner } from "../util/string-intern.ts";
import type {
  ListOptions,
  ObjectList,
  ResourceRef,
  RestClient,
  WatchEvent,
} from "../client/rest-client.ts";

/** What the reflector reads from: the server (a RestClient) or a fake. */
export type ListWatchSource = Pick<RestClient, "list" | "watch">;

export interface SharedReflectorOptions {
  clock?: Clock;
  /**
   * Recent events kept for watches that start behind the current state
   * (default 128: consumers list and start watching in one turn and re-watch
   * as soon as a stream ends, so only a few events ever need replaying;
   * further behind costs a 410 and a re-list from memory, not the server).
   */
  ringSize?: number;
  /** Events a consumer may lag before its watch ends with 410 (default 100,000). */
  bufferSize?: number;
  /** Page size of the reflector's own lists (default 500). */
  pageSize?: number;
  /** The table the objects' repeated strings are shared through (default: the reflector's own). */
  interner?: StringInterner;
  onError?(err: unknown): void;
}

interface RingEntry {
  rv: bigint;
  event: WatchEvent<KObject>;
}

interface Subscriber {
  queue: WatchEvent<KObject>[];
  head: number;
  bookmarks: boolean;
  ended: boolean;
  wake?: () => void;
}

/** The Status of a 410 ERROR event, as the API server sends it. */
export function goneEvent(message: string): WatchEvent<KObject> {
  return {
    type: "ERROR",
    object: {
      apiVersion: "v1",
      kind: "Status",
      metadata: {},
      status: "Failure",
      message,
      reason: "Expired",
      code: 410,
    } as unknown as KObject,
  };
}

/** A resourceVersion as a number, or undefined when it is not one. */
export function parseRv(rv: string | undefined): bigint | undefined {
  if (!rv || !/^\d+$/.test(rv)) return undefined;
  return BigInt(rv);
}

export class SharedReflector {
  readonly #items = new Map<string, KObject>();
  readonly #ring: RingEntry[] = [];
  #ringHead = 0;
  /** Every event with rv > floor is in the ring. */
  #floor = 0n;
  #rv = "";
  #kind = "";
  #apiVersion = "";
  readonly #subscribers = new Set<Subscriber>();
  readonly #abort = new AbortController();
  readonly #clock: Clock;
  readonly #ringSize: number;
  readonly #bufferSize: number;
  readonly #interner: StringInterner;
  #synced = false;
  #failed = false;
  readonly #ready: Promise<void>;
  #settle!: (err?: unknown) => void;
  #running?: Promise<void>;

  constructor(
    private readonly source: ListWatchSource,
    readonly ref: ResourceRef,
    private readonly opts: SharedReflectorOptions = {},
  ) {
    this.#clock = opts.clock ?? realClock;
    this.#ringSize = opts.ringSize ?? 128;
    this.#bufferSize = opts.bufferSize ?? 100_000;
    this.#interner = opts.interner ?? new StringInterner();
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    // A first list that fails is reported to list() callers, never left unhandled.
    this.#ready.catch(() => {});
  }

  /** Starts the list/watch loop (idempotent). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** True once the first list failed: the reflector stopped and should be replaced. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Number of objects held. */
  get size(): number {
    return this.#items.size;
  }

  /** Ends every consumer's watch and the server watch. */
  async stop(): Promise<void> {
    this.#abort.abort();
    if (!this.#synced) this.#settle(new Error(`${this.ref.resource}: reflector stopped`));
    for (const s of this.#subscribers) this.#end(s);
    await this.#running;
  }

  /** All objects at one resourceVersion, after the first list (rejects when it failed). */
  async snapshot(): Promise<ObjectList<KObject>> {
    this.start();
    await this.#ready;
    return {
      apiVersion: this.#apiVersion,
      kind: this.#kind,
      metadata: { resourceVersion: this.#rv },
      items: [...this.#items.values()],
    };
  }

  /**
   * Events after resourceVersion `from` until signal aborts or the stream
   * ends (timeoutSeconds, a re-list, too slow a consumer: then a 410 event).
   */
  async *watch(
    from: bigint,
    opts: Pick<ListOptions, "allowWatchBookmarks" | "timeoutSeconds"> = {},
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<KObject>> {
    this.start();
    await this.#ready;
    if (from < this.#floor) {
      yield goneEvent(`too old resource version: ${from} (${this.#floor})`);
      return;
    }
    const sub: Subscriber = {
      queue: this.#eventsAfter(from),
      head: 0,
      bookmarks: opts.allowWatchBookmarks ?? false,
      ended: false,
    };
    this.#subscribers.add(sub);
    const end = () => this.#end(sub);
    signal?.addEventListener("abort", end, { once: true });
    const timer = opts.timeoutSeconds ? this.#clock.after(opts.timeoutSeconds * 1000, end) : null;
    try {
      for (;;) {
        while (sub.head < sub.queue.length) {
          const ev = sub.queue[sub.head]!;
          sub.queue[sub.head++] = undefined as unknown as WatchEvent<KObject>;
          if (sub.head === sub.queue.length) {
            sub.queue = [];
            sub.head = 0;
          }
          yield ev;
        }
        if (sub.ended || signal?.aborted) return;
        await new Promise<void>((r) => (sub.wake = r));
      }
    } finally {
      this.#subscribers.delete(sub);
      signal?.removeEventListener("abort", end);
      timer?.cancel();
    }
  }

  #end(sub: Subscriber): void {
    sub.ended = true;
    sub.wake?.();
    sub.wake = undefined;
  }

  /** Ring events with rv > from (binary search: ring rvs increase). */
  #eventsAfter(from: bigint): WatchEvent<KObject>[] {
    let lo = this.#ringHead;
    let hi = this.#ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ring[mid]!.rv <= from) lo = mid + 1;
      else hi = mid;
    }
    return this.#ring.slice(lo).map((e) => e.event);
  }

  #deliver(ev: WatchEvent<KObject>, bookmark: boolean): void {
    for (const s of this.#subscribers) {
      if (s.ended || (bookmark && !s.bookmarks)) continue;
      if (s.queue.length - s.head >= this.#bufferSize) {
        s.queue = [goneEvent(`watch of ${this.ref.resource} fell too far behind`)];
        s.head = 0;
        this.#end(s);
        continue;
      }
      s.queue.push(ev);
      s.wake?.();
      s.wake = undefined;
    }
  }

  #record(rv: bigint, event: WatchEvent<KObject>): void {
    this.#ring.push({ rv, event });
    if (this.#ring.length - this.#ringHead > this.#ringSize) {
      this.#floor = this.#ring[this.#ringHead]!.rv;
      this.#ring[this.#ringHead++] = undefined as unknown as RingEntry;
      if (this.#ringHead >= this.#ringSize) {
        this.#ring.splice(0, this.#ringHead);
        this.#ringHead = 0;
      }
    }
  }

  async #run(): Promise<void> {
    let backoff = 200;
    while (!this.#abort.signal.aborted) {
      try {
        await this.#listAndReplace();
        backoff = 200;
        while (!this.#abort.signal.aborted && (await this.#watchOnce()) === "again");
      } catch (err) {
        if (this.#abort.signal.aborted) break;
        if (!this.#synced) {
          // Nothing served yet: the callers waiting for the first list get the error.
          this.#failed = true;
          this.#settle(err);
          return;
        }
        this.opts.onError?.(err);
        await sleep(this.#clock, backoff, this.#abort.signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  async #listAndReplace(): Promise<void> {
    const items: KObject[] = [];
    let cont: string | undefined;
    let page: ObjectList<KObject>;
    do {
      page = await this.source.list<KObject>(this.ref, undefined, {
        limit: this.opts.pageSize ?? 500,
        continue: cont,
      });
      for (const obj of page.items) items.push(obj);
      cont = page.metadata.continue || undefined;
    } while (cont);
    const rv = page.metadata.resourceVersion ?? "";
    this.#items.clear();
    for (const obj of items) this.#items.set(objectKey(obj), this.#compact(obj));
    this.#kind = page.kind ?? "";
    this.#apiVersion = page.apiVersion ?? "";
    this.#rv = rv;
    this.#ring.length = 0;
    this.#ringHead = 0;
    this.#floor = parseRv(rv) ?? 0n;
    if (this.#synced) {
      // The state jumped without events: every consumer re-lists.
      for (const s of this.#subscribers) {
        s.queue.push(goneEvent(`${this.ref.resource} re-listed at ${rv}`));
        this.#end(s);
      }
    } else {
      this.#synced = true;
      this.#settle();
    }
  }

  /** One server watch from the current resourceVersion. */
  async #watchOnce(): Promise<"relist" | "again"> {
    try {
      const events = this.source.watch<KObject>(
        this.ref,
        undefined,
        {
          resourceVersion: this.#rv,
          allowWatchBookmarks: true,
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        },
        this.#abort.signal,
      );
      for await (const ev of events) {
        if (ev.type === "ERROR") {
          if ((ev.object as { code?: number }).code === 410) return "relist";
          throw new Error(`watch ${this.ref.resource}: ${JSON.stringify(ev.object)}`);
        }
        const rvText = ev.object.metadata?.resourceVersion;
        const rv = parseRv(rvText);
        if (rv === undefined) throw new Error(`watch ${this.ref.resource}: bad resourceVersion`);
        if (ev.type === "BOOKMARK") {
          this.#rv = rvText!;
          this.#deliver(ev, true);
          continue;
        }
        const key = objectKey(ev.object);
        if (ev.type === "DELETED") {
          stripManagedFields(ev.object);
          this.#items.delete(key);
        } else this.#items.set(key, this.#compact(ev.object));
        this.#rv = rvText!;
        this.#record(rv, ev);
        this.#deliver(ev, false);
      }
      return "again";
    } catch (err) {
      if (isGone(err)) return "relist";
      throw err;
    }
  }

  /** obj as the reflector keeps it: without managedFields, its repeated strings shared. */
  #compact(obj: KObject): KObject {
    return this.#interner.internValues(stripManagedFields(obj));
  }
}

function stripManagedFields(obj: KObject): KObject {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

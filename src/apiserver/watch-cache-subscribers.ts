/**
 * The client watches subscribed to one watch cache, and which of them each
 * event goes to. A watch whose field selector demands one value of an
 * indexed field (upstream's cacher "triggers": pods by spec.nodeName, which
 * every kubelet watches) is filed under that value, and an event reaches it
 * only when the object's new or previous value is the same: with N nodes a
 * pod event wakes the one or two kubelets it concerns instead of all N.
 * Every other watch gets every event under its prefix. The handler still
 * applies the whole selector: the index only skips events that cannot
 * match now or before.
 */
import type { StatusError } from "../api/status.ts";
import type { KeyValue } from "../storage/backend.ts";
import type { CacheEvent } from "./watch-cache-events.ts";

/** An indexed field and the value one watch demands of it. */
export interface WatchTrigger {
  /** The field, e.g. "spec.nodeName": one index (and one valueOf) per field per cache. */
  field: string;
  value: string;
  /** The field's value in a stored object (undefined: none). Pure; may throw on undecodable data. */
  valueOf(kv: KeyValue): string | undefined;
}

export interface Subscriber {
  prefix: string;
  queue: CacheEvent[];
  waiting?: (v: CacheEvent[] | null) => void;
  closed: boolean;
  error?: StatusError;
  trigger?: WatchTrigger;
}

interface FieldIndex {
  valueOf(kv: KeyValue): string | undefined;
  byValue: Map<string, Set<Subscriber>>;
  size: number;
}

export class Subscribers {
  readonly #all = new Set<Subscriber>();
  readonly #plain = new Set<Subscriber>();
  readonly #indexes = new Map<string, FieldIndex>();

  get size(): number {
    return this.#all.size;
  }

  [Symbol.iterator](): IterableIterator<Subscriber> {
    return this.#all.values();
  }

  add(sub: Subscriber): void {
    this.#all.add(sub);
    const t = sub.trigger;
    if (!t) {
      this.#plain.add(sub);
      return;
    }
    let index = this.#indexes.get(t.field);
    if (!index) {
      index = { valueOf: t.valueOf, byValue: new Map(), size: 0 };
      this.#indexes.set(t.field, index);
    }
    let subs = index.byValue.get(t.value);
    if (!subs) index.byValue.set(t.value, (subs = new Set()));
    subs.add(sub);
    index.size++;
  }

  delete(sub: Subscriber): void {
    if (!this.#all.delete(sub)) return;
    const t = sub.trigger;
    if (!t) {
      this.#plain.delete(sub);
      return;
    }
    const index = this.#indexes.get(t.field)!;
    const subs = index.byValue.get(t.value)!;
    subs.delete(sub);
    if (subs.size === 0) index.byValue.delete(t.value);
    if (--index.size === 0) this.#indexes.delete(t.field);
  }

  /** Each subscriber the batch concerns, with its events in batch order. */
  route(events: CacheEvent[]): Map<Subscriber, CacheEvent[]> {
    const out = new Map<Subscriber, CacheEvent[]>();
    for (const sub of this.#plain) {
      const mine = events.filter((e) => e.key.startsWith(sub.prefix));
      if (mine.length > 0) out.set(sub, mine);
    }
    for (const index of this.#indexes.values()) {
      for (const e of events) {
        const concerned = this.#concerned(index, e);
        for (const sub of concerned) {
          if (!e.key.startsWith(sub.prefix)) continue;
          const mine = out.get(sub);
          if (mine) mine.push(e);
          else out.set(sub, [e]);
        }
      }
    }
    return out;
  }

  /** The index's subscribers whose value the event's object has, or had. */
  #concerned(index: FieldIndex, e: CacheEvent): Iterable<Subscriber> {
    let now: string | undefined;
    let before: string | undefined;
    try {
      now = index.valueOf(e.kv);
      before = e.prevKv ? index.valueOf(e.prevKv) : undefined;
    } catch {
      // Cannot tell: every watch of the index sees it (and reports the decoding error).
      return [...index.byValue.values()].flatMap((s) => [...s]);
    }
    const a = now === undefined ? undefined : index.byValue.get(now);
    const b = before === undefined || before === now ? undefined : index.byValue.get(before);
    if (!b) return a ?? [];
    if (!a) return b;
    return [...a, ...b];
  }
}

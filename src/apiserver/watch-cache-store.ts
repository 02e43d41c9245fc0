/**
 * The current state of one WatchCache's prefix: every stored object by key,
 * each decoded at most once per served version (as upstream's watch cache
 * store keeps decoded objects with their labels and fields).
 *
 * Memory contract: an element holds one form of its object. It keeps the
 * stored JSON until its first decoding; a decoding for a def that is the
 * only one of its storage (no `storage`, `convert` or `convertMany`: no other
 * version reads these keys) then replaces the JSON, as upstream keeps only
 * decoded objects. Elements of multi-version resources (HPA, Events, custom
 * resources) keep the JSON beside their decodings, since every version is
 * decoded from it. Decodings are compacted as they are recorded (the
 * managedFields trees' empty leaves are one shared object, see
 * watch-cache-compact.ts).
 *
 * Settling: elements still current `settleAfterMs` after they were stored
 * have their decodings share repeated strings and managedFields subtrees
 * with other elements (watch-cache-settle.ts), a bounded batch per
 * settle() call, so the work stays off the write path and short-lived
 * versions are never worked on.
 *
 * Contract: the store is the state of storage under the prefix at the cache's
 * revision; it is replaced by a list and then changed only by the storage
 * watch's events, in order. Decoded objects are shared by every reader (LIST,
 * GET, watch events of the same version) and must never be mutated.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";
import { compareKeys, sortByKey } from "../storage/key-order.ts";
import { realClock, type Clock } from "../client/clock.ts";
import { compactDecoded } from "./watch-cache-compact.ts";
import { newSettleTables, settleDecoded, type SettleTables } from "./watch-cache-settle.ts";

/** One stored object: its key and revisions, and its stored JSON or decodings. */
export class CacheElement {
  readonly key: string;
  readonly createRevision: number;
  readonly modRevision: number;
  /** The stored JSON; undefined once a sole-version decoding replaced it. */
  value: string | undefined;
  /** The first decoding and its def (most resources are served in one version). */
  def?: ResourceDef;
  obj?: KObject;
  /** Decodings for further defs (multi-version resources). */
  more?: Map<ResourceDef, KObject>;
  /**
   * Set when `obj` is its writer's announced decoding (see
   * watch-cache-writes.ts): plain JSON values (checked, or a copy as JSON
   * gives), where a decode of the stored JSON may have been converted.
   */
  announced?: true;

  constructor(kv: KeyValue) {
    this.key = kv.key;
    this.createRevision = kv.createRevision;
    this.modRevision = kv.modRevision;
    this.value = kv.value;
  }

  /**
   * The element as its decoding, when its stored JSON was dropped for it (a
   * sole-version decoding), else undefined: what the cache's events hold
   * instead of storage's copy of the JSON.
   */
  decodedKeyValue(): DecodedKeyValue | undefined {
    if (this.value !== undefined || !this.def || !this.obj) return undefined;
    return new DecodedKeyValue(this.key, this.createRevision, this.modRevision, this.def, this.obj);
  }

  /** The stored KeyValue (re-encoded from the decoding when the JSON was dropped). */
  toKeyValue(): KeyValue {
    return {
      key: this.key,
      value: this.value ?? reencode(this.obj!),
      createRevision: this.createRevision,
      modRevision: this.modRevision,
    };
  }
}

/**
 * A stored version held as its decoding for the only def that reads it
 * (upstream's watchCacheEvent holds Object and PrevObject, not bytes): the
 * history's events point at the cache's decoded object instead of keeping
 * storage's JSON beside it (≈2.1 KB per pod version). WatchCache.decode
 * answers with `obj` for `def`; `value`, the stored JSON, is made again only
 * when something reads the bytes. Not a plain object: spreading it loses
 * `value` (copy the fields by name).
 */
export class DecodedKeyValue implements KeyValue {
  constructor(
    readonly key: string,
    readonly createRevision: number,
    readonly modRevision: number,
    readonly def: ResourceDef,
    readonly obj: KObject,
  ) {}

  get value(): string {
    return reencode(this.obj);
  }
}

/** How long an element must stay current before it is settled (a pod's start-up versions pass by). */
export const SETTLE_AFTER_MS = 10_000;

export class WatchCacheStore {
  #items = new Map<string, CacheElement>();
  /** Keys in order; rebuilt lazily after a key is added or removed. */
  #sorted?: string[];
  readonly #clock: Clock;
  /**
   * Versions to settle, in the order they were stored: key, revision and
   * when (clock ms), in three parallel arrays (no object per write; by key
   * and revision, so that replaced elements are not kept alive).
   */
  #unsettledKeys: string[] = [];
  #unsettledRevisions: number[] = [];
  #unsettledAt: number[] = [];
  #unsettledHead = 0;
  #tables?: SettleTables;

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  /** Replaces the whole state (after a list). */
  replace(kvs: Iterable<KeyValue>): void {
    this.#items = new Map();
    this.#clearUnsettled();
    const at = this.#clock.now();
    for (const kv of kvs) {
      this.#items.set(kv.key, new CacheElement(kv));
      this.#queue(kv, at);
    }
    this.#sorted = undefined;
  }

  /** Sets key's current value (an ADDED or MODIFIED event); returns the new element. */
  put(kv: KeyValue): CacheElement {
    if (!this.#items.has(kv.key)) this.#sorted = undefined;
    const el = new CacheElement(kv);
    this.#items.set(kv.key, el);
    this.#queue(kv, this.#clock.now());
    return el;
  }

  #queue(kv: KeyValue, at: number): void {
    this.#unsettledKeys.push(kv.key);
    this.#unsettledRevisions.push(kv.modRevision);
    this.#unsettledAt.push(at);
  }

  #clearUnsettled(): void {
    this.#unsettledKeys = [];
    this.#unsettledRevisions = [];
    this.#unsettledAt = [];
    this.#unsettledHead = 0;
  }

  /** Elements waiting to be settled (some may have been replaced since). */
  get unsettled(): number {
    return this.#unsettledKeys.length - this.#unsettledHead;
  }

  /**
   * Settles at most `max` elements stored at least settleAfterMs ago that
   * are still current and decoded (the others are dropped from the queue).
   * Returns the clock time at which the next waiting element is due (now
   * when the batch ended early), or undefined when none waits.
   */
  settle(max: number, settleAfterMs = SETTLE_AFTER_MS): number | undefined {
    const due = this.#clock.now() - settleAfterMs;
    const keys = this.#unsettledKeys;
    const at = this.#unsettledAt;
    let done = 0;
    let head = this.#unsettledHead;
    for (; head < keys.length && done < max; head++) {
      if (at[head]! > due) break;
      const el = this.#items.get(keys[head]!);
      if (!el?.obj || el.modRevision !== this.#unsettledRevisions[head]) continue;
      this.#tables ??= newSettleTables();
      settleDecoded(el.obj, this.#tables);
      if (el.more) for (const obj of el.more.values()) settleDecoded(obj, this.#tables);
      done++;
    }
    if (head === keys.length) {
      this.#clearUnsettled();
      return undefined;
    }
    this.#unsettledHead = head;
    if (head > 4096 && head * 2 > keys.length) {
      this.#unsettledKeys = keys.slice(head);
      this.#unsettledRevisions = this.#unsettledRevisions.slice(head);
      this.#unsettledAt = at.slice(head);
      this.#unsettledHead = 0;
    }
    return done < max ? this.#unsettledAt[this.#unsettledHead]! + settleAfterMs : this.#clock.now();
  }

  /** Removes key (a DELETED event). */
  remove(key: string): void {
    if (this.#items.delete(key)) this.#sorted = undefined;
  }

  get size(): number {
    return this.#items.size;
  }

  /** The element at key, if present. */
  get(key: string): CacheElement | undefined {
    return this.#items.get(key);
  }

  /** The elements whose key starts with prefix, in key order (as storage lists them). */
  under(prefix: string): CacheElement[] {
    const keys = (this.#sorted ??= sortByKey([...this.#items.keys()], (key) => key));
    const out: CacheElement[] = [];
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      out.push(this.#items.get(key)!);
    }
    return out;
  }

  /**
   * The element's object decoded for def, decoding at most once per
   * element and def. `decode` must return a fresh object; the result is
   * shared. A sole-version def's decoding replaces the stored JSON.
   */
  static objectOf(el: CacheElement, def: ResourceDef, decode: (kv: KeyValue) => KObject): KObject {
    if (el.def === def) return el.obj!;
    const known = el.more?.get(def);
    if (known) return known;
    const obj = decode(el.toKeyValue());
    WatchCacheStore.adopt(el, def, obj);
    return obj;
  }

  /**
   * Records obj as the element's decoding for def (unless it has one): obj
   * must equal what decoding the element's value for def returns, and
   * becomes shared (never mutated again). `replaced`: the decoding of the
   * version obj replaces, whose managedFields entries obj may share (they
   * are compacted already).
   */
  static adopt(el: CacheElement, def: ResourceDef, obj: KObject, replaced?: KObject): void {
    if (el.def === def || el.more?.has(def)) return;
    compactDecoded(obj, replaced);
    if (!el.def) {
      el.def = def;
      el.obj = obj;
      if (soleVersion(def)) el.value = undefined;
    } else (el.more ??= new Map()).set(def, obj);
  }

  /**
   * `kv` (read from storage) decoded for def, sharing the cached decoding
   * when the store holds the same version of the key; undefined otherwise.
   */
  decodedLike(
    kv: KeyValue,
    def: ResourceDef,
    decode: (kv: KeyValue) => KObject,
  ): KObject | undefined {
    const el = this.#items.get(kv.key);
    if (!el || el.modRevision !== kv.modRevision) return undefined;
    return WatchCacheStore.objectOf(el, def, decode);
  }
}

/**
 * Whether def is the only def reading its storage keys, so a decoding for
 * it can stand in for the stored JSON (builtin multi-version resources and
 * every custom resource name their storage).
 */
function soleVersion(def: ResourceDef): boolean {
  return !def.storage && !def.convert && !def.convertMany;
}

/** The stored JSON of a decoded object (storage does not hold resourceVersion). */
function reencode(obj: KObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata });
}

/** The first index whose key is >= prefix. */
function lowerBound(keys: string[], prefix: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

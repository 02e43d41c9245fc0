/**
 * The decoded objects and encoded JSON lines of recent watch events, shared
 * by every client watch of one WatchCache: an event is decoded and serialized
 * once per served version, not once per watcher (upstream's watch cache does
 * the same with its caching objects). Entries are keyed by the event's
 * KeyValue (the cache hands the same KeyValue to every subscriber) and the
 * resource definition (one per served version). Bounded: the oldest
 * KeyValues are dropped first. Returned objects are shared and must not be
 * mutated.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";

interface Entry {
  objects: Map<ResourceDef, KObject>;
  /** JSON.stringify of the objects, when known without serializing them. */
  json?: Map<ResourceDef, string>;
  lines: Map<ResourceDef, Map<string, string>>;
}

/**
 * Events remembered: every watcher of an event is handed it within one
 * batch, so the memo only has to span the events in flight (a watcher
 * lagging further behind decodes and serializes for itself).
 */
export const DEFAULT_MEMO_CAPACITY = 512;

export class WatchEventMemo {
  readonly #entries = new Map<KeyValue, Entry>();
  readonly #capacity: number;

  constructor(capacity = DEFAULT_MEMO_CAPACITY) {
    this.#capacity = capacity;
  }

  /** kv decoded for def, decoding at most once while kv is remembered. */
  decode(kv: KeyValue, def: ResourceDef, decode: (kv: KeyValue) => KObject): KObject {
    const entry = this.#entry(kv);
    let obj = entry.objects.get(def);
    if (!obj) entry.objects.set(def, (obj = decode(kv)));
    return obj;
  }

  /** Remembers obj as kv decoded for def (a decoding the caller already holds). */
  adopt(kv: KeyValue, def: ResourceDef, obj: KObject): void {
    const entry = this.#entry(kv);
    if (!entry.objects.has(def)) entry.objects.set(def, obj);
  }

  /** Remembers json as JSON.stringify of kv decoded for def (known to the caller). */
  adoptJson(kv: KeyValue, def: ResourceDef, json: string): void {
    (this.#entry(kv).json ??= new Map()).set(def, json);
  }

  /** JSON.stringify of kv decoded for def, if adopted. */
  json(kv: KeyValue, def: ResourceDef): string | undefined {
    return this.#entries.get(kv)?.json?.get(def);
  }

  /** The wire line for (kv, def, key), made at most once while kv is remembered. */
  line(kv: KeyValue, def: ResourceDef, key: string, make: () => string): string {
    const entry = this.#entry(kv);
    let lines = entry.lines.get(def);
    if (!lines) entry.lines.set(def, (lines = new Map()));
    let line = lines.get(key);
    if (line === undefined) lines.set(key, (line = make()));
    return line;
  }

  get size(): number {
    return this.#entries.size;
  }

  #entry(kv: KeyValue): Entry {
    let entry = this.#entries.get(kv);
    if (!entry) {
      entry = { objects: new Map(), lines: new Map() };
      this.#entries.set(kv, entry);
      if (this.#entries.size > this.#capacity) {
        const oldest = this.#entries.keys().next().value as KeyValue;
        this.#entries.delete(oldest);
      }
    }
    return entry;
  }
}

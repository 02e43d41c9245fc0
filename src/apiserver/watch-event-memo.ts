/**
 * The decoded objects and encoded JSON lines of recent watch events, shared
 * by every client watch of one WatchCache: an event is decoded and serialized
 * once per served version, not once per watcher (upstream's watch cache does
 * the same with its caching objects). Entries are keyed by the event's
 * KeyValue (the cache hands the same KeyValue to every subscriber) and the
 * resource definition (one per served version). Bounded: past capacity
 * the oldest KeyValues are dropped, down to 15/16 of it. Returned objects
 * are shared and must not be mutated.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { KeyValue } from "../storage/backend.ts";

/**
 * An event's forms for one served version, in fields rather than Maps (one
 * version and one line per event is the rule: no Map per event).
 */
interface Forms {
  obj: KObject | undefined;
  /** JSON.stringify of obj, when known without serializing it. */
  json: string | undefined;
  /** The first wire line made and its key; lines for other keys in `lines`. */
  lineKey: string | undefined;
  line: string | undefined;
  lines: Map<string, string> | undefined;
}

interface Entry {
  def: ResourceDef;
  forms: Forms;
  /** Forms for further served versions. */
  more: Map<ResourceDef, Forms> | undefined;
}

const newForms = (): Forms => ({
  obj: undefined,
  json: undefined,
  lineKey: undefined,
  line: undefined,
  lines: undefined,
});

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
    const forms = this.#forms(kv, def);
    return (forms.obj ??= decode(kv));
  }

  /** Remembers obj as kv decoded for def (a decoding the caller already holds). */
  adopt(kv: KeyValue, def: ResourceDef, obj: KObject): void {
    this.#forms(kv, def).obj ??= obj;
  }

  /** Remembers json as JSON.stringify of kv decoded for def (known to the caller). */
  adoptJson(kv: KeyValue, def: ResourceDef, json: string): void {
    this.#forms(kv, def).json = json;
  }

  /** JSON.stringify of kv decoded for def, if adopted. */
  json(kv: KeyValue, def: ResourceDef): string | undefined {
    const entry = this.#entries.get(kv);
    if (!entry) return undefined;
    return (entry.def === def ? entry.forms : entry.more?.get(def))?.json;
  }

  /** The wire line for (kv, def, key), made at most once while kv is remembered. */
  line(kv: KeyValue, def: ResourceDef, key: string, make: () => string): string {
    const forms = this.#forms(kv, def);
    if (forms.lineKey === key) return forms.line!;
    if (forms.lineKey === undefined) {
      const line = make();
      forms.lineKey = key;
      return (forms.line = line);
    }
    const lines = (forms.lines ??= new Map());
    let line = lines.get(key);
    if (line === undefined) lines.set(key, (line = make()));
    return line;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Drops the oldest events down to 15/16 of capacity, in one walk. A Map
   * keeps a deleted entry's slot until its table is rebuilt, and a new
   * iterator steps over those slots from the start: taking one oldest event
   * per new event (a fresh iterator each time) walked every slot dropped
   * since (as in SqliteLiveCache).
   */
  #evict(): void {
    const keep = this.#capacity - (this.#capacity >> 4);
    for (const kv of this.#entries.keys()) {
      if (this.#entries.size <= keep) return;
      this.#entries.delete(kv);
    }
  }

  /** The forms of kv for def, remembering kv (the oldest event is dropped past capacity). */
  #forms(kv: KeyValue, def: ResourceDef): Forms {
    let entry = this.#entries.get(kv);
    if (!entry) {
      entry = { def, forms: newForms(), more: undefined };
      this.#entries.set(kv, entry);
      if (this.#entries.size > this.#capacity) this.#evict();
      return entry.forms;
    }
    if (entry.def === def) return entry.forms;
    const more = (entry.more ??= new Map());
    let forms = more.get(def);
    if (!forms) more.set(def, (forms = newForms()));
    return forms;
  }
}

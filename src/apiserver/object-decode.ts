/**
 * Stored values → API objects of a def's version: version conversion for
 * resources sharing storage (HPA v1/v2, core/events.k8s.io events; custom
 * resources, asynchronously when a webhook converts them), read-time
 * adjustments, resourceVersion from the revision; and the watch events'
 * decodes shared by every watcher.
 */
import type { KeyValue } from "../storage/backend.ts";
import { StatusError } from "../api/status.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { apiVersionOf } from "./storage-keys.ts";

/**
 * Converts `objs` (any versions sharing def's storage) to `toApiVersion`:
 * through def.convertMany (one asynchronous batch) when the def has it, else
 * def.convert per object. Objects already in the target version are copied
 * by convertMany defs and returned as they are otherwise.
 */
export async function convertObjects(
  def: ResourceDef,
  objs: KObject[],
  toApiVersion: string,
  opts?: { list?: boolean },
): Promise<KObject[]> {
  if (def.convertMany) return objs.length === 0 ? [] : def.convertMany(objs, toApiVersion, opts);
  const convert = def.convert;
  if (!convert) return objs;
  return objs.map((o) => (o.apiVersion === toApiVersion ? o : convert(o, toApiVersion)));
}

/** A KeyValue to decode and the revision to report for it. */
export interface Stored {
  kv: KeyValue;
  revision: number;
}

/** Decodes a stored value into `def`'s version, with resourceVersion set (no asynchronous conversion). */
export function decodeStored(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  const want = apiVersionOf(def);
  if (obj.apiVersion === want || !def.convert || def.convertMany) {
    if (obj.apiVersion !== want && def.convertMany) throw needsAwait(def);
    return finish(def, obj, false, revision);
  }
  // The parsed object is this decode's own: a conversion may share its values.
  return finish(def, (def.convertShared ?? def.convert)(obj, want), true, revision);
}

/** Decodes several values, converting those in another version in one convertMany call. */
export async function decodeMany(
  def: ResourceDef,
  stored: Stored[],
  opts?: { list?: boolean },
): Promise<KObject[]> {
  const want = apiVersionOf(def);
  const objs = stored.map((s) => JSON.parse(s.kv.value) as KObject);
  const pending = objs.flatMap((o, i) => (o.apiVersion === want ? [] : [i]));
  const converted = new Set(pending);
  if (pending.length > 0) {
    const out = await convertObjects(
      def,
      pending.map((i) => objs[i]!),
      want,
      opts,
    );
    pending.forEach((i, j) => (objs[i] = out[j]!));
  }
  return objs.map((o, i) => finish(def, o, converted.has(i), stored[i]!.revision));
}

/** Completes a decoded object: read-time adjustments unless converted, apiVersion, kind, resourceVersion. */
export function finish(
  def: ResourceDef,
  obj: KObject,
  converted: boolean,
  revision: number,
): KObject {
  if (!converted) def.onRead?.(obj);
  obj.apiVersion = apiVersionOf(def);
  obj.kind ??= def.kind;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

/** Whether obj is stored as it is and read back unchanged (no conversion, no read-time adjustment). */
export function storedAsIs(def: ResourceDef, obj: KObject): boolean {
  const version = apiVersionOf(def);
  const storage = storageApiVersion(def) ?? version;
  return !def.onRead && !def.convertMany && obj.apiVersion === version && storage === version;
}

/** The storage apiVersion of a def whose versions share storage, else undefined. */
export function storageApiVersion(def: ResourceDef): string | undefined {
  if (!def.storage || (!def.convert && !def.convertMany)) return undefined;
  return apiVersionOf({ group: def.storage.group, version: def.storage.version });
}

/** A synchronous decode/encode asked of a def that converts asynchronously: a programming error. */
export function needsAwait(def: ResourceDef): StatusError {
  const message = `${def.resource}.${def.group} converts asynchronously: use decodeAsync/encodeAsync`;
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** A shared decode waiting to be converted with the others of its tick. */
interface QueuedDecode {
  kv: KeyValue;
  resolve: (obj: KObject) => void;
  reject: (err: unknown) => void;
}

/**
 * Watch events' KeyValues decoded once for every watcher while the KeyValue
 * lives (a failure is not remembered). Decodes asked for in the same tick
 * (the events of one watch batch) are converted in one call.
 */
export class SharedDecodes {
  /** Decodes one value of a def without convertMany. */
  readonly #decode: (def: ResourceDef, kv: KeyValue) => Promise<KObject>;
  /** Decodes per KeyValue and def (dropped with the KeyValue). */
  readonly #shared = new WeakMap<KeyValue, Map<ResourceDef, Promise<KObject>>>();
  /** Shared decodes waiting for the end of the tick, per def. */
  readonly #queued = new Map<ResourceDef, QueuedDecode[]>();

  constructor(decode: (def: ResourceDef, kv: KeyValue) => Promise<KObject>) {
    this.#decode = decode;
  }

  /** kv decoded for `def`, shared: never mutate the object. */
  decode(def: ResourceDef, kv: KeyValue): Promise<KObject> {
    let byDef = this.#shared.get(kv);
    if (!byDef) this.#shared.set(kv, (byDef = new Map()));
    let obj = byDef.get(def);
    if (!obj) {
      const decoding = this.#queueDecode(def, kv);
      byDef.set(def, (obj = decoding));
      // A failed conversion is not remembered: a later watcher retries it.
      decoding.catch(() => {
        if (byDef.get(def) === decoding) byDef.delete(def);
      });
    }
    return obj;
  }

  /** Queues a decode; the queue of a def is converted in one call at the end of the tick. */
  #queueDecode(def: ResourceDef, kv: KeyValue): Promise<KObject> {
    if (!def.convertMany) return this.#decode(def, kv);
    return new Promise((resolve, reject) => {
      let queue = this.#queued.get(def);
      if (!queue) {
        this.#queued.set(def, (queue = []));
        queueMicrotask(() => this.#flush(def));
      }
      queue.push({ kv, resolve, reject });
    });
  }

  #flush(def: ResourceDef): void {
    const queue = this.#queued.get(def) ?? [];
    this.#queued.delete(def);
    const stored = queue.map((q) => ({ kv: q.kv, revision: q.kv.modRevision }));
    decodeMany(def, stored, { list: queue.length > 1 }).then(
      (objs) => queue.forEach((q, i) => q.resolve(objs[i]!)),
      (err: unknown) => {
        // Upstream converts watch events one object at a time: when the shared
        // batch fails, each is retried alone so only a bad object's event errors.
        if (queue.length === 1) return queue[0]!.reject(err);
        queue.forEach((q, i) =>
          decodeMany(def, [stored[i]!]).then(([obj]) => q.resolve(obj!), q.reject),
        );
      },
    );
  }
}

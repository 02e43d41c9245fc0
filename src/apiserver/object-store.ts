/**
 * API objects over the storage Backend: key layout, JSON encoding, the
 * resourceVersion ↔ modRevision mapping, version conversion for resources
 * sharing storage (HPA v1/v2, core/events.k8s.io events; custom resources,
 * asynchronously when a webhook converts them) and StorageError →
 * Status translation. Handlers never touch keys or revisions themselves.
 */
import type { Backend, KeyValue, ListOptions, ListResult } from "../storage/backend.ts";
import { isDeepStrictEqual } from "node:util";
import { isStorageError } from "../storage/errors.ts";
import { StatusError } from "../api/status.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { storageErrorToStatus } from "./storage-status.ts";
import { copyAsJson, sameJson } from "../util/json-copy.ts";
import {
  deepFreeze,
  storedForm,
  storedFormClean,
  storedJson,
  storedMetadata,
  storedText,
  withResourceVersion,
  type StoredText,
} from "./stored-text.ts";
import { compactDecoded } from "./watch-cache-compact.ts";

/** The stored identity of a resource: several served versions may share it. */
export function storageResourceOf(def: ResourceDef): string {
  return def.storage?.resource ?? def.resource;
}

/** apiVersion string of a def ("v1", "apps/v1"). */
export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Storage key prefix; with a namespace, only that namespace's objects. */
export function keyPrefix(def: ResourceDef, namespace?: string): string {
  let base = PREFIXES.get(def);
  if (base === undefined) PREFIXES.set(def, (base = `/registry/${storageResourceOf(def)}/`));
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** Each def's key prefix, made once (a flat string: map lookups by it need no flattening). */
const PREFIXES = new WeakMap<ResourceDef, string>();

/** The storage key of one object. */
export function objectKey(def: ResourceDef, namespace: string, name: string): string {
  return def.namespaced
    ? `/registry/${storageResourceOf(def)}/${namespace}/${name}`
    : `/registry/${storageResourceOf(def)}/${name}`;
}

export interface StoredList {
  revision: number;
  items: { key: string; obj: KObject }[];
  more: boolean;
  remaining?: number;
}

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

/** A shared decode waiting to be converted with the others of its tick. */
interface QueuedDecode {
  kv: KeyValue;
  resolve: (obj: KObject) => void;
  reject: (err: unknown) => void;
}

/** A KeyValue to decode and the revision to report for it. */
interface Stored {
  kv: KeyValue;
  revision: number;
}

/**
 * Reads and writes objects of any registered resource.
 *
 * Conversion contract: defs with `convertMany` (webhook-converted custom
 * resources) convert asynchronously; every read and write path of this class
 * awaits them, a list page is converted in one call, and the event loop never
 * waits on a conversion. The synchronous `decode`/`encode` serve defs without
 * `convertMany` and throw an InternalError when such a def would need one.
 */
export class ObjectStore {
  readonly backend: Backend;
  /** Watch events decoded for convertMany defs, shared by every watcher (dropped with the KeyValue). */
  readonly #shared = new WeakMap<KeyValue, Map<ResourceDef, Promise<KObject>>>();
  /** Shared decodes waiting for the end of the tick, per def. */
  readonly #queued = new Map<ResourceDef, QueuedDecode[]>();
  /** Objects encoded as they are, with their stored text (see storedText). */
  readonly #encodings = new WeakMap<KObject, StoredText>();
  /** Write answers' JSON, made from their stored text. */
  readonly #answers = new WeakMap<KObject, string>();
  /** Answers announced as their own decoding (see decodingOf); tracked only to freeze them in tests. */
  readonly #selfDecoded = new WeakSet<KObject>();

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** Decodes a stored value into `def`'s version, with resourceVersion set (no asynchronous conversion). */
  decode(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
    const obj = JSON.parse(kv.value) as KObject;
    const want = apiVersionOf(def);
    if (obj.apiVersion === want || !def.convert || def.convertMany) {
      if (obj.apiVersion !== want && def.convertMany) throw needsAwait(def);
      return finish(def, obj, false, revision);
    }
    return finish(def, def.convert(obj, want), true, revision);
  }

  /** Decodes a stored value into `def`'s version, awaiting its conversion. */
  async decodeAsync(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): Promise<KObject> {
    if (!def.convertMany) return this.decode(def, kv, revision);
    return (await this.#decodeMany(def, [{ kv, revision }]))[0]!;
  }

  /**
   * A watch event's KeyValue decoded for `def`, converted at most once for
   * every watcher while the KeyValue lives (a failure is not remembered).
   * Decodes asked for in the same tick (the events of one watch batch) are
   * converted in one call. The object is shared: never mutate it.
   */
  decodeShared(def: ResourceDef, kv: KeyValue): Promise<KObject> {
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

  /** Encodes for storage: in the storage version, without resourceVersion (no asynchronous conversion). */
  encode(def: ResourceDef, obj: KObject): string {
    if (storedAsIs(def, obj) && typeof obj.kind === "string") {
      const marked = storedText(obj);
      if (marked) {
        this.#encodings.set(obj, marked);
        return marked.text;
      }
    }
    this.#encodings.delete(obj);
    const storageVersion = storageApiVersion(def);
    if (storageVersion && obj.apiVersion !== storageVersion && def.convertMany)
      throw needsAwait(def);
    const stored =
      storageVersion && def.convert && obj.apiVersion !== storageVersion
        ? def.convert(obj, storageVersion)
        : obj;
    return storedJson(stored);
  }

  /** Encodes for storage, awaiting the conversion to the storage version. */
  async encodeAsync(def: ResourceDef, obj: KObject): Promise<string> {
    const storageVersion = storageApiVersion(def);
    if (!def.convertMany || !storageVersion || obj.apiVersion === storageVersion)
      return this.encode(def, obj);
    const [stored] = await def.convertMany([obj], storageVersion);
    return storedJson(stored!);
  }

  /**
   * `next` encoded for storage, and whether storing it changes nothing: its
   * bytes equal the stored ones `currentValue` (upstream's check), or, for
   * defs converted synchronously, it encodes as `current` does. `currentValue`
   * undefined: the stored bytes are not at hand (the watch cache dropped them
   * for their decoding `current`, which encodes to them).
   */
  async prepareUpdate(
    def: ResourceDef,
    next: KObject,
    current: KObject,
    currentValue: string | undefined,
  ): Promise<{ value: string; unchanged: boolean }> {
    const value = await this.encodeAsync(def, next);
    if (value === currentValue) return { value, unchanged: true };
    if (def.convertMany) {
      const stored = currentValue ?? (await this.encodeAsync(def, current));
      return { value, unchanged: isDeepStrictEqual(JSON.parse(value), JSON.parse(stored)) };
    }
    // Both stored unconverted: compare the stored forms without encoding current again.
    const storage = storageApiVersion(def);
    if (!storage || (next.apiVersion === storage && current.apiVersion === storage)) {
      const nextStored = storedForm(next, this.#encodings.get(next)?.meta);
      return { value, unchanged: sameJson(nextStored, storedForm(current)) };
    }
    return { value, unchanged: value === this.encode(def, current) };
  }

  /** The object, or undefined when absent. */
  async tryGet(
    def: ResourceDef,
    namespace: string,
    name: string,
    revision?: number,
  ): Promise<KObject | undefined> {
    const kv = await this.run(def, name, () =>
      this.backend.get(objectKey(def, namespace, name), { revision }),
    );
    return kv.kv ? this.decodeAsync(def, kv.kv) : undefined;
  }

  /** The object's current KeyValue, or undefined. */
  async getKV(def: ResourceDef, namespace: string, name: string): Promise<KeyValue | undefined> {
    return (await this.run(def, name, () => this.backend.get(objectKey(def, namespace, name)))).kv;
  }

  /** One page of a list; the page's objects are converted in one call. */
  async list(
    def: ResourceDef,
    namespace: string | undefined,
    opts: ListOptions,
  ): Promise<StoredList> {
    const result: ListResult = await this.run(def, "", () =>
      this.backend.list(keyPrefix(def, namespace), opts),
    );
    const objs = def.convertMany
      ? await this.#decodeMany(
          def,
          result.kvs.map((kv) => ({ kv, revision: kv.modRevision })),
          { list: true },
        )
      : result.kvs.map((kv) => this.decode(def, kv));
    return {
      revision: result.revision,
      items: result.kvs.map((kv, i) => ({ key: kv.key, obj: objs[i]! })),
      more: result.more,
      remaining: result.remaining,
    };
  }

  /**
   * Stores a new object; KeyExists → AlreadyExists. `value` is obj already
   * encoded (by encodeAsync), if at hand.
   */
  async create(def: ResourceDef, obj: KObject, value?: string): Promise<KObject> {
    const name = obj.metadata?.name ?? "";
    const key = objectKey(def, obj.metadata?.namespace ?? "", name);
    const encoded = value ?? (await this.encodeAsync(def, obj));
    const kv = await this.run(def, name, () => this.backend.create(key, encoded, ttl(def)));
    return this.#asStored(def, obj, kv);
  }

  /**
   * What was just stored from `obj`, as a read would return it: `obj` itself
   * with the new resourceVersion (last in metadata, where a decode puts it)
   * when it was stored unconverted and reads change nothing, else a decode.
   * Saves parsing back every write's own bytes.
   */
  #asStored(def: ResourceDef, obj: KObject, kv: KeyValue): Promise<KObject> | KObject {
    if (!storedAsIs(def, obj)) return this.decodeAsync(def, kv);
    const marked = this.#encodings.get(obj);
    obj.kind ??= def.kind;
    const resourceVersion = String(kv.modRevision);
    if (marked?.text === kv.value) {
      this.#encodings.delete(obj);
      settle(obj, marked, kv.modRevision);
      this.#answers.set(obj, withResourceVersion(marked, kv.modRevision));
    } else {
      obj.metadata = { ...storedMetadata(obj), resourceVersion };
    }
    if (FREEZE_ANSWERS && this.#selfDecoded.has(obj)) freezeShared(obj);
    return obj;
  }

  /**
   * The JSON of a write's answer (from create or update), made from the
   * stored text instead of serializing the object again; undefined when not
   * known. Asked once (forgotten after): the answer must not have changed
   * since it was returned.
   */
  answerJson(obj: KObject): string | undefined {
    const json = this.#answers.get(obj);
    if (json !== undefined) this.#answers.delete(obj);
    return json;
  }

  /**
   * For `obj` about to be stored: what decode will return for its stored
   * bytes at a revision, without parsing them. Undefined when reads would
   * convert or adjust it. Call the result at most once; its object is the
   * caller's, shared with the write's answer.
   *
   * Write answers are immutable: once stored, the object a write answers
   * (create and update here, RestStore's) is never changed again by
   * anyone, so when its stored form is plain JSON (storedFormClean) the
   * answer itself, settled at the revision, is the decoding: no copy.
   * Tests freeze answers (FREEZE_ANSWERS), so a later mutation throws
   * there. Otherwise the decoding is a copy taken now, as JSON would give.
   */
  decodingOf(
    def: ResourceDef,
    obj: KObject,
  ): { decoded: (revision: number) => KObject; json?: (revision: number) => string } | undefined {
    if (!storedAsIs(def, obj)) return undefined;
    const marked = this.#encodings.get(obj);
    if (marked && storedFormClean(obj, marked.meta)) {
      if (FREEZE_ANSWERS) this.#selfDecoded.add(obj);
      return {
        decoded: (revision) => {
          settle(obj, marked, revision);
          if (FREEZE_ANSWERS) freezeShared(obj);
          return obj;
        },
        json: (revision) => withResourceVersion(marked, revision),
      };
    }
    const stored = copyAsJson(storedForm(obj, marked?.meta));
    return {
      decoded: (revision) => finish(def, stored, false, revision),
      ...(marked && { json: (revision: number) => withResourceVersion(marked, revision) }),
    };
  }

  /**
   * Compare-and-swap update; Conflict when the object changed since
   * expectedRevision. `value` is obj already encoded (by prepareUpdate).
   */
  async update(
    def: ResourceDef,
    obj: KObject,
    expectedRevision: number,
    value?: string,
  ): Promise<KObject> {
    const name = obj.metadata?.name ?? "";
    const key = objectKey(def, obj.metadata?.namespace ?? "", name);
    const encoded = value ?? (await this.encodeAsync(def, obj));
    const kv = await this.run(def, name, () =>
      this.backend.update(key, encoded, expectedRevision, ttl(def)),
    );
    return this.#asStored(def, obj, kv);
  }

  /** Deletes, guarded by expectedRevision; returns the last state with the delete's revision. */
  async delete(
    def: ResourceDef,
    namespace: string,
    name: string,
    expectedRevision?: number,
  ): Promise<KObject> {
    const result = await this.run(def, name, () =>
      this.backend.delete(objectKey(def, namespace, name), expectedRevision),
    );
    return this.decodeAsync(def, result.prevKv, result.revision);
  }

  /** Queues a decode; the queue of a def is converted in one call at the end of the tick. */
  #queueDecode(def: ResourceDef, kv: KeyValue): Promise<KObject> {
    if (!def.convertMany) return this.decodeAsync(def, kv);
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
    this.#decodeMany(def, stored, { list: queue.length > 1 }).then(
      (objs) => queue.forEach((q, i) => q.resolve(objs[i]!)),
      (err: unknown) => {
        // Upstream converts watch events one object at a time: when the shared
        // batch fails, each is retried alone so only a bad object's event errors.
        if (queue.length === 1) return queue[0]!.reject(err);
        queue.forEach((q, i) =>
          this.#decodeMany(def, [stored[i]!]).then(([obj]) => q.resolve(obj!), q.reject),
        );
      },
    );
  }

  /** Decodes several values, converting those in another version in one convertMany call. */
  async #decodeMany(
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

  /** Runs a backend call, translating StorageErrors into Status errors naming the object. */
  private async run<T>(def: ResourceDef, name: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (isStorageError(err)) {
        throw storageErrorToStatus(err, { group: def.group, resource: def.resource, name });
      }
      throw err;
    }
  }
}

/**
 * Write answers that are their own decoding (see decodingOf) are
 * deep-frozen under the test runner (node --test sets NODE_TEST_CONTEXT)
 * or with K8TS_FREEZE_WRITE_ANSWERS=1: a mutation after the write, which
 * would change the watch cache's object, throws there instead.
 */
export const FREEZE_ANSWERS =
  process.env.NODE_TEST_CONTEXT !== undefined || process.env.K8TS_FREEZE_WRITE_ANSWERS === "1";

/**
 * obj as a read of its stored bytes at revision returns it: the metadata
 * copy made with its stored text, resourceVersion last, becomes its
 * metadata. Idempotent (the write's answer and its watch event may settle
 * it in either order).
 */
function settle(obj: KObject, marked: StoredText, revision: number): KObject {
  if (obj.metadata !== marked.meta) {
    marked.meta.resourceVersion = String(revision);
    obj.metadata = marked.meta;
  }
  return obj;
}

/** Freezes a write's answer; compacted first as the watch cache would (it compacts in place). */
function freezeShared(obj: KObject): void {
  if (Object.isFrozen(obj)) return;
  compactDecoded(obj);
  deepFreeze(obj);
}

/** Whether obj is stored as it is and read back unchanged (no conversion, no read-time adjustment). */
function storedAsIs(def: ResourceDef, obj: KObject): boolean {
  const version = apiVersionOf(def);
  const storage = storageApiVersion(def) ?? version;
  return !def.onRead && !def.convertMany && obj.apiVersion === version && storage === version;
}

/** The storage apiVersion of a def whose versions share storage, else undefined. */
function storageApiVersion(def: ResourceDef): string | undefined {
  if (!def.storage || (!def.convert && !def.convertMany)) return undefined;
  return apiVersionOf({ group: def.storage.group, version: def.storage.version });
}

/** Completes a decoded object: read-time adjustments unless converted, apiVersion, kind, resourceVersion. */
function finish(def: ResourceDef, obj: KObject, converted: boolean, revision: number): KObject {
  if (!converted) def.onRead?.(obj);
  obj.apiVersion = apiVersionOf(def);
  obj.kind ??= def.kind;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

/** A synchronous decode/encode asked of a def that converts asynchronously: a programming error. */
function needsAwait(def: ResourceDef): StatusError {
  const message = `${def.resource}.${def.group} converts asynchronously: use decodeAsync/encodeAsync`;
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

function ttl(def: ResourceDef): { ttlSeconds?: number } | undefined {
  return def.ttlSeconds ? { ttlSeconds: def.ttlSeconds } : undefined;
}

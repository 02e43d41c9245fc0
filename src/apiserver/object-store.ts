/**
 * API objects over the storage Backend: key layout (storage-keys.ts), JSON
 * encoding, the resourceVersion ↔ modRevision mapping, version conversion
 * (object-decode.ts), write answers made from the stored text
 * (write-answers.ts) and StorageError → Status translation. Handlers never
 * touch keys or revisions themselves.
 */
import type { Backend, KeyValue, ListOptions, ListResult } from "../storage/backend.ts";
import { isDeepStrictEqual } from "node:util";
import { isStorageError } from "../storage/errors.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { storageErrorToStatus } from "./storage-status.ts";
import { sameStoredForm, storedJson, storedText } from "./stored-text.ts";
import { sameJson } from "../util/json-copy.ts";
import { keyPrefix, objectKey } from "./storage-keys.ts";
import {
  SharedDecodes,
  decodeMany,
  decodeStored,
  needsAwait,
  storageApiVersion,
  storedAsIs,
} from "./object-decode.ts";
import { WriteAnswers } from "./write-answers.ts";

export { apiVersionOf, keyPrefix, objectKey, storageResourceOf } from "./storage-keys.ts";
export { convertObjects } from "./object-decode.ts";
export { FREEZE_ANSWERS } from "./write-answers.ts";

export interface StoredList {
  revision: number;
  items: { key: string; obj: KObject }[];
  more: boolean;
  remaining?: number;
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
  /** Watch events decoded for convertMany defs, shared by every watcher. */
  readonly #shared = new SharedDecodes((def, kv) => this.decodeAsync(def, kv));
  /** Stored texts of objects encoded as they are, and the write answers made from them. */
  readonly #answers = new WriteAnswers();

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** Decodes a stored value into `def`'s version, with resourceVersion set (no asynchronous conversion). */
  decode(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
    return decodeStored(def, kv, revision);
  }

  /** Decodes a stored value into `def`'s version, awaiting its conversion. */
  async decodeAsync(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): Promise<KObject> {
    if (!def.convertMany) return this.decode(def, kv, revision);
    return (await decodeMany(def, [{ kv, revision }]))[0]!;
  }

  /**
   * A watch event's KeyValue decoded for `def`, converted at most once for
   * every watcher while the KeyValue lives (a failure is not remembered).
   * Decodes asked for in the same tick (the events of one watch batch) are
   * converted in one call. The object is shared: never mutate it.
   */
  decodeShared(def: ResourceDef, kv: KeyValue): Promise<KObject> {
    return this.#shared.decode(def, kv);
  }

  /** Encodes for storage: in the storage version, without resourceVersion (no asynchronous conversion). */
  encode(def: ResourceDef, obj: KObject): string {
    if (storedAsIs(def, obj) && typeof obj.kind === "string") {
      const marked = storedText(obj);
      if (marked) {
        this.#answers.encoded(obj, marked);
        return marked.text;
      }
    }
    this.#answers.encoded(obj, undefined);
    const storageVersion = storageApiVersion(def);
    if (storageVersion && obj.apiVersion !== storageVersion && def.convertMany)
      throw needsAwait(def);
    if (storageVersion && def.convertShared && obj.apiVersion !== storageVersion) {
      // Serialized only: the stored form may share obj's values.
      const stored = def.convertShared(obj, storageVersion);
      const text = storedJson(stored);
      this.#answers.encodedConverted(obj, stored, text);
      return text;
    }
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
      return { value, unchanged: sameStoredForm(next, this.#answers.storedMeta(next), current) };
    }
    const currentText = this.encode(def, current);
    // current is not being written: nothing to remember about it (it may be the cache's).
    this.#answers.forget(current);
    // Members in another order are the same JSON value (as in sameStoredForm); a text that
    // only orders them otherwise keeps its length, so only those are parsed.
    const unchanged =
      value === currentText ||
      (value.length === currentText.length &&
        sameJson(JSON.parse(value), JSON.parse(currentText), true));
    return { value, unchanged };
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
      ? await decodeMany(
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
   * encoded (by encodeAsync), if at hand. Returns what a read would: obj
   * itself when WriteAnswers.asStored can tell, else a decode.
   */
  async create(def: ResourceDef, obj: KObject, value?: string): Promise<KObject> {
    const name = obj.metadata?.name ?? "";
    const key = objectKey(def, obj.metadata?.namespace ?? "", name);
    const encoded = value ?? (await this.encodeAsync(def, obj));
    const kv = await this.run(def, name, () => this.backend.create(key, encoded, ttl(def)));
    return this.answer(def, obj, kv);
  }

  /** The JSON of a write's answer, from its stored text (see WriteAnswers.answerJson). */
  answerJson(obj: KObject): string | undefined {
    return this.#answers.answerJson(obj);
  }

  /** What decode will return for `obj` about to be stored (see WriteAnswers.decodingOf). */
  decodingOf(
    def: ResourceDef,
    obj: KObject,
    known?: KObject,
  ): { decoded: (revision: number) => KObject; json?: (revision: number) => string } | undefined {
    return this.#answers.decodingOf(def, obj, known);
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
    return this.answer(def, obj, kv);
  }

  /** A write's answer: obj as stored at kv (see WriteAnswers), else a decode of kv. */
  private answer(def: ResourceDef, obj: KObject, kv: KeyValue): KObject | Promise<KObject> {
    return (
      this.#answers.asStored(def, obj, kv) ??
      this.#answers.asConverted(def, obj, kv) ??
      this.decodeAsync(def, kv)
    );
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

function ttl(def: ResourceDef): { ttlSeconds?: number } | undefined {
  return def.ttlSeconds ? { ttlSeconds: def.ttlSeconds } : undefined;
}

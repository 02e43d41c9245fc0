/**
 * API objects over the storage Backend: key layout, JSON encoding, the
 * resourceVersion ↔ modRevision mapping, version conversion for resources
 * sharing storage (HPA v1/v2, core/events.k8s.io events) and StorageError →
 * Status translation. Handlers never touch keys or revisions themselves.
 */
import type { Backend, KeyValue, ListResult } from "../storage/backend.ts";
import { isStorageError } from "../storage/errors.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { storageErrorToStatus } from "./storage-status.ts";

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
  const base = `/registry/${storageResourceOf(def)}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

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

/** Reads and writes objects of any registered resource. */
export class ObjectStore {
  readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** Decodes a stored value into `def`'s version, with resourceVersion set. */
  decode(def: ResourceDef, kv: KeyValue, revision = kv.modRevision): KObject {
    let obj = JSON.parse(kv.value) as KObject;
    const want = apiVersionOf(def);
    if (obj.apiVersion !== want && def.convert) obj = def.convert(obj, want);
    else def.onRead?.(obj);
    obj.apiVersion = want;
    obj.kind ??= def.kind;
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
    return obj;
  }

  /** Encodes for storage: in the storage version, without resourceVersion. */
  encode(def: ResourceDef, obj: KObject): string {
    let stored = obj;
    if (def.storage && def.convert) {
      const storageVersion = apiVersionOf({
        group: def.storage.group,
        version: def.storage.version,
      });
      if (obj.apiVersion !== storageVersion) stored = def.convert(obj, storageVersion);
    }
    const { resourceVersion: _rv, ...metadata } = stored.metadata ?? {};
    return JSON.stringify({ ...stored, metadata });
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
    return kv.kv ? this.decode(def, kv.kv) : undefined;
  }

  /** The object's current KeyValue, or undefined. */
  async getKV(def: ResourceDef, namespace: string, name: string): Promise<KeyValue | undefined> {
    return (await this.run(def, name, () => this.backend.get(objectKey(def, namespace, name)))).kv;
  }

  /** One page of a list. */
  async list(
    def: ResourceDef,
    namespace: string | undefined,
    opts: { revision?: number; limit?: number; after?: string },
  ): Promise<StoredList> {
    const result: ListResult = await this.run(def, "", () =>
      this.backend.list(keyPrefix(def, namespace), opts),
    );
    return {
      revision: result.revision,
      items: result.kvs.map((kv) => ({ key: kv.key, obj: this.decode(def, kv) })),
      more: result.more,
      remaining: result.remaining,
    };
  }

  /** Stores a new object; KeyExists → AlreadyExists. */
  async create(def: ResourceDef, obj: KObject): Promise<KObject> {
    const name = obj.metadata?.name ?? "";
    const key = objectKey(def, obj.metadata?.namespace ?? "", name);
    const kv = await this.run(def, name, () =>
      this.backend.create(key, this.encode(def, obj), ttl(def)),
    );
    return this.decode(def, kv);
  }

  /** Compare-and-swap update; Conflict when the object changed since expectedRevision. */
  async update(def: ResourceDef, obj: KObject, expectedRevision: number): Promise<KObject> {
    const name = obj.metadata?.name ?? "";
    const key = objectKey(def, obj.metadata?.namespace ?? "", name);
    const kv = await this.run(def, name, () =>
      this.backend.update(key, this.encode(def, obj), expectedRevision, ttl(def)),
    );
    return this.decode(def, kv);
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
    return this.decode(def, result.prevKv, result.revision);
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

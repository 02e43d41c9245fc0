/**
 * Informer sharing inside `k8ts server`: the scheduler, the controller
 * manager and the other in-process components each build their informers as
 * the standalone binaries do, but through a SharingRestClient, whose
 * all-namespace, selector-free lists and watches are answered by one
 * SharedReflector per resource (one server watch, one decoded copy of each
 * object for the whole process). Every other call (gets, writes, namespaced
 * or filtered lists and watches) goes to the API server under the component's
 * own identity. This is an in-process transport, like a local watch cache:
 * each component still only sees what it lists and watches through the API.
 *
 * Contract of shared lists: the state at some recent resourceVersion (as
 * upstream's resourceVersion="0" list from the watch cache), paged by `limit`
 * over one snapshot; objects come without metadata.managedFields and are
 * shared, so callers must not mutate them (informer caches never do).
 */
import type { KObject } from "../api/types.ts";
import { ApiError } from "../client/api-error.ts";
import type { Clock } from "../client/clock.ts";
import type { ClientConfig } from "../client/kubeconfig.ts";
import {
  RestClient,
  type ListOptions,
  type ObjectList,
  type ResourceRef,
  type WatchEvent,
} from "../client/rest-client.ts";
import { StringInterner } from "../util/string-intern.ts";
import {
  parseRv,
  SharedReflector,
  type ListWatchSource,
  type SharedReflectorOptions,
} from "./shared-reflector.ts";

const CONTINUE_PREFIX = "k8ts-shared:";
/** Paged lists in progress kept at once (a token of an older one answers 410). */
const MAX_SNAPSHOTS = 32;

interface Snapshot {
  list: ObjectList<KObject>;
  /** Index of the next item to return. */
  next: number;
}

/** Whether a list or watch can be answered by the shared reflector of its resource. */
export function shareable(
  namespace: string | undefined,
  opts: ListOptions,
  verb: "list" | "watch",
): boolean {
  if (namespace || opts.labelSelector || opts.fieldSelector || opts.resourceVersionMatch)
    return false;
  if (verb === "watch") return parseRv(opts.resourceVersion) !== undefined;
  if (opts.continue !== undefined && !opts.continue.startsWith(CONTINUE_PREFIX)) return false;
  return !opts.resourceVersion || opts.resourceVersion === "0";
}

/** The reflectors of one process, created on first use and kept until stop(). */
export class SharedListWatch {
  readonly #reflectors = new Map<string, SharedReflector>();
  readonly #snapshots = new Map<string, Snapshot>();
  #nextSnapshot = 0;
  #stopped = false;

  readonly #opts: SharedReflectorOptions;

  /** Every reflector shares one string table (opts.interner, else a new one). */
  constructor(
    private readonly source: ListWatchSource,
    opts: SharedReflectorOptions = {},
  ) {
    this.#opts = { ...opts, interner: opts.interner ?? new StringInterner() };
  }

  /** The started reflector of ref (a failed one is replaced). */
  reflectorFor(ref: ResourceRef): SharedReflector {
    const key = `${ref.group}/${ref.version}/${ref.resource}`;
    let r = this.#reflectors.get(key);
    if (!r || r.failed) {
      r = new SharedReflector(this.source, ref, this.#opts);
      this.#reflectors.set(key, r);
      if (!this.#stopped) r.start();
    }
    return r;
  }

  /** One page of the resource's shared state (opts as shareable() accepted them). */
  async list(ref: ResourceRef, opts: ListOptions = {}): Promise<ObjectList<KObject>> {
    let id: string;
    let snap: Snapshot | undefined;
    if (opts.continue) {
      id = opts.continue.slice(CONTINUE_PREFIX.length);
      snap = this.#snapshots.get(id);
      if (!snap) throw expired(`continue token of ${ref.resource} expired`);
    } else {
      const list = await this.reflectorFor(ref).snapshot();
      if (!opts.limit || list.items.length <= opts.limit) return list;
      id = String(this.#nextSnapshot++);
      snap = { list, next: 0 };
      this.#snapshots.set(id, snap);
      if (this.#snapshots.size > MAX_SNAPSHOTS)
        this.#snapshots.delete(this.#snapshots.keys().next().value as string);
    }
    const { list } = snap;
    const end = opts.limit ? Math.min(snap.next + opts.limit, list.items.length) : Infinity;
    const items = list.items.slice(snap.next, end);
    snap.next += items.length;
    const left = list.items.length - snap.next;
    if (left <= 0) this.#snapshots.delete(id);
    return {
      apiVersion: list.apiVersion,
      kind: list.kind,
      metadata: {
        resourceVersion: list.metadata.resourceVersion,
        ...(left > 0 ? { continue: CONTINUE_PREFIX + id, remainingItemCount: left } : {}),
      },
      items,
    };
  }

  /** Events of the resource after opts.resourceVersion (numeric, as shareable() checked). */
  watch(
    ref: ResourceRef,
    opts: ListOptions,
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<KObject>> {
    return this.reflectorFor(ref).watch(parseRv(opts.resourceVersion) ?? 0n, opts, signal);
  }

  /** Resources shared so far and the objects each holds. */
  stats(): { resource: string; objects: number }[] {
    return [...this.#reflectors.entries()].map(([resource, r]) => ({
      resource,
      objects: r.size,
    }));
  }

  /** Stops every reflector; their consumers' watches end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#snapshots.clear();
    await Promise.all([...this.#reflectors.values()].map((r) => r.stop()));
  }
}

function expired(message: string): ApiError {
  return new ApiError(
    410,
    {
      apiVersion: "v1",
      kind: "Status",
      metadata: {},
      status: "Failure",
      message,
      reason: "Expired",
      code: 410,
    },
    message,
  );
}

/**
 * A RestClient whose shareable lists and watches (see shareable()) are served
 * by a SharedListWatch; everything else goes to the server as usual.
 */
export class SharingRestClient extends RestClient {
  constructor(
    config: ClientConfig,
    private readonly shared: SharedListWatch,
    opts: { clock?: Clock } = {},
  ) {
    super(config, opts);
  }

  override list<T = KObject>(
    ref: ResourceRef,
    namespace?: string,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    if (!shareable(namespace, opts, "list")) return super.list<T>(ref, namespace, opts);
    return this.shared.list(ref, opts) as Promise<ObjectList<T>>;
  }

  override async *watch<T = KObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    opts: ListOptions,
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    if (!shareable(namespace, opts, "watch")) {
      yield* super.watch<T>(ref, namespace, opts, signal);
      return;
    }
    yield* this.shared.watch(ref, opts, signal) as AsyncGenerator<WatchEvent<T>>;
  }
}

/**
 * The generic REST store, as upstream's registry/generic Store: create,
 * guaranteed update (read, transform, compare-and-swap, retry) and the write
 * stages around each write. Every resource is served by this one piece of
 * code; strategies from the registry supply the per-kind parts.
 */
import {
  StatusError,
  alreadyExists,
  conflict,
  invalid,
  notFound,
  type FieldError,
} from "../api/status.ts";
import type { KObject, ObjectMeta, ResourceDef } from "../api/types.ts";
import type { ServerContext, UserInfo } from "./context.ts";
import { runWriteStages, type AdmissionAttributes, type AdmissionOperation } from "./pipeline.ts";
import { loadCel } from "../cel/lazy.ts";
import {
  prepareMetaForCreate,
  prepareMetaForUpdate,
  rfc3339,
  shouldDeleteDuringUpdate,
  staleConflict,
  validatePathName,
} from "./object-meta.ts";
import { copyJson } from "../util/json-copy.ts";
import { currentFromCache } from "./watch-cache-reader.ts";
import { announceWrite } from "./watch-cache-writes.ts";

export interface WriteOptions {
  dryRun: boolean;
  user: UserInfo;
  /** "" for the main resource, else "status", "scale", "finalize" ... */
  subresource: string;
  fieldManager: string;
  /** The request's ?fieldManager= as given (admission's options show it). */
  requestedFieldManager?: string;
  /** Managed-fields operation recorded for this write. */
  operation?: "Update" | "Apply";
  /** The request's warnings and audit annotations, passed to admission. */
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** RestStore.update's options. */
export interface UpdateOptions extends WriteOptions {
  /** Creates the object when absent (else 404). */
  allowCreate?: boolean;
  /** The transform only reads the current object: it needs no copy of its own. */
  currentReadOnly?: boolean;
  /**
   * A PUT body's metadata.uid: the stored object must have it (an absent one
   * has none), else 409, not retried (upstream's DefaultUpdatedObjectInfo).
   */
  uidPrecondition?: string;
}

const MAX_UPDATE_ATTEMPTS = 16;

/**
 * The object a write starts from: read from storage, or suggested by the
 * watch cache (possibly stale; the compare-and-swap on modRevision decides).
 */
interface CurrentState {
  /** Undefined when absent (modRevision 0). */
  obj?: KObject;
  modRevision: number;
  /** The stored bytes; undefined when only the decoding is at hand (it encodes to them). */
  value?: string;
  suggested: boolean;
}

/** The cache's state of the object as a suggestion, or undefined (read storage). */
function suggestedState(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
): CurrentState | undefined {
  const cached = currentFromCache(server, def, namespace, name);
  return cached && { ...cached, suggested: true };
}

/** The object's current state in storage (modRevision 0: absent). */
async function storedState(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
): Promise<CurrentState> {
  const kv = await server.store.getKV(def, namespace, name);
  if (!kv) return { modRevision: 0, suggested: false };
  const obj = await server.store.decodeAsync(def, kv);
  return { obj, modRevision: kv.modRevision, value: kv.value, suggested: false };
}

/**
 * Runs a write of obj (encoded as value), its decoding announced to the
 * running watch cache first, so the cache and its watchers need not parse
 * the stored bytes again. A stored write's announcement waits for its
 * storage event; a failed one is withdrawn.
 */
export async function announced<T>(
  server: ServerContext,
  def: ResourceDef,
  obj: KObject,
  value: string,
  write: () => Promise<T>,
): Promise<T> {
  const withdraw = announceWrite(server, def, obj, value);
  try {
    return await write();
  } catch (err) {
    withdraw?.();
    throw err;
  }
}

/** A step's answer: read storage again and re-run the step from there. */
const REREAD = Symbol("read storage again");

/**
 * upstream's GuaranteedUpdate loop: `step` writes from a state of the
 * object (the watch cache's suggestion first, unless a dry run) or answers
 * REREAD. A failure from a suggested state stands only when storage holds
 * that same revision; else the step re-runs from storage. A failure from
 * storage is retried (from a fresh read) while `retryable` says so.
 */
async function guaranteed<T>(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  dryRun: boolean,
  step: (from: CurrentState) => Promise<T | typeof REREAD>,
  retryable: (err: unknown) => boolean,
): Promise<T> {
  // Dry runs read storage, as upstream's DryRunnableStorage.
  let state = dryRun ? undefined : suggestedState(server, def, namespace, name);
  let stuck = 0;
  for (;;) {
    state ??= await storedState(server, def, namespace, name);
    const from = state;
    state = undefined;
    try {
      const out = await step(from);
      if (out !== REREAD) return out;
      state = await storedState(server, def, namespace, name);
      // A step asking again at an unmoved revision is bounded as failed swaps are.
      if (state.modRevision === from.modRevision && ++stuck >= MAX_UPDATE_ATTEMPTS)
        throw staleConflict(def, name);
    } catch (err) {
      if (from.suggested) {
        state = await storedState(server, def, namespace, name);
        if (state.modRevision === from.modRevision) throw err;
        continue;
      }
      if (!retryable(err)) throw err;
      // A failed compare-and-swap means another write won: retried without a
      // bound, as upstream's GuaranteedUpdate (the loop makes progress). Only
      // conflicts at an unmoved revision are bounded.
      state = await storedState(server, def, namespace, name);
      if (state.modRevision === from.modRevision && ++stuck >= MAX_UPDATE_ATTEMPTS) throw err;
    }
  }
}

/**
 * A raw guaranteed update, as upstream's storage-level GuaranteedUpdate
 * (pods/binding's assignPod): no strategy, admission, managedFields or
 * no-op check. `transform` makes the next object from the current one
 * (possibly the watch cache's: never change it) or throws (404 when
 * absent). The compare-and-swap on the read revision decides; a pod
 * changed or gone meanwhile is read again and transformed again.
 * Answers the stored object (a dry run: the transformed one).
 */
export function guaranteedUpdate(
  server: ServerContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  dryRun: boolean,
  transform: (current: KObject) => KObject,
): Promise<KObject> {
  const step = async (from: CurrentState) => {
    if (!from.obj) throw notFound(def.group, def.resource, name);
    const next = transform(from.obj);
    if (dryRun) return next;
    const value = await server.store.encodeAsync(def, next);
    try {
      return await announced(server, def, next, value, () =>
        server.store.update(def, next, from.modRevision, value),
      );
    } catch (err) {
      const changed =
        err instanceof StatusError && (err.reason === "Conflict" || err.reason === "NotFound");
      if (changed) return REREAD;
      throw err;
    }
  };
  return guaranteed(server, def, namespace, name, dryRun, step, () => false);
}

/** Create, update and delete with the object semantics shared by every resource. */
export class RestStore {
  readonly #server: ServerContext;

  constructor(server: ServerContext) {
    this.#server = server;
  }

  /** Stores a new object (type meta and namespace already checked by the caller). */
  async create(def: ResourceDef, obj: KObject, opts: WriteOptions): Promise<KObject> {
    const server = this.#server;
    prepareMetaForCreate(def, obj, { now: server.clock.now() });
    def.strategy?.defaults?.(obj);
    def.strategy?.prepareForCreate?.(obj);
    validatePathName(def, obj);
    if (opts.operation !== "Apply") {
      await server.extensions.updateManagedFields(def, obj, undefined, this.managedUpdate(opts));
    }
    const attrs = this.attrs("CREATE", def, obj, undefined, opts);
    return runWriteStages(
      server.pipeline,
      attrs,
      (a) =>
        withCel(def, () =>
          throwIfInvalid(def, a.object!, def.strategy?.validate?.(a.object!) ?? []),
        ),
      async (a) => {
        if (!opts.dryRun) {
          const value = await server.store.encodeAsync(def, a.object!);
          return announced(server, def, a.object!, value, () =>
            server.store.create(def, a.object!, value),
          );
        }
        const meta = a.object!.metadata as ObjectMeta;
        if (await server.store.getKV(def, meta.namespace ?? "", meta.name ?? "")) {
          throw alreadyExists(def.group, def.resource, meta.name ?? "");
        }
        return a.object!;
      },
    );
  }

  /**
   * Read-modify-write. `transform` receives the current object (undefined when
   * absent) and returns the desired one; it is re-run on storage conflicts
   * unless the desired object carries a resourceVersion precondition.
   * Absent objects are created when `allowCreate`, else 404.
   * `transform` gets its own copy of the current object, unless
   * `currentReadOnly`: then the object itself (possibly the watch cache's:
   * never change it, and return nothing that shares parts with it).
   */
  async update(
    def: ResourceDef,
    namespace: string,
    name: string,
    transform: (current: KObject | undefined) => Promise<KObject>,
    opts: UpdateOptions,
  ): Promise<{ obj: KObject; created: boolean }> {
    const note: { precondition?: string; swapFailed?: boolean } = {};
    const step = (from: CurrentState) => {
      note.precondition = undefined;
      note.swapFailed = false;
      return this.#attempt(def, { namespace, name, state: from, transform, opts, note });
    };
    // Storage conflicts are retried; a failed resourceVersion precondition is not. An object
    // deleted under a write that may create goes on as a create (upstream's GuaranteedUpdate
    // reads it again, absent).
    const retryable = (err: unknown) =>
      note.swapFailed === true &&
      err instanceof StatusError &&
      (err.reason === "Conflict" || (err.reason === "NotFound" && opts.allowCreate === true)) &&
      !note.precondition &&
      !err.message.includes("Precondition");
    return guaranteed(this.#server, def, namespace, name, opts.dryRun, step, retryable);
  }

  /**
   * One read-modify-write from `state`. REREAD: the write would change
   * nothing, but `state` came from the cache and may be out of date (upstream
   * re-reads storage before short-circuiting a write).
   */
  async #attempt(
    def: ResourceDef,
    a: {
      namespace: string;
      name: string;
      state: CurrentState;
      transform: (current: KObject | undefined) => Promise<KObject>;
      opts: UpdateOptions;
      /** Set to the desired object's resourceVersion precondition, if any. */
      note: { precondition?: string; swapFailed?: boolean };
    },
  ): Promise<{ obj: KObject; created: boolean } | typeof REREAD> {
    const { namespace, name, state, transform, opts, note } = a;
    const server = this.#server;
    // Shared with the watch cache when suggested by it: read, never changed.
    const current = state.obj;
    if (opts.uidPrecondition !== undefined) {
      const uid = current?.metadata?.uid ?? "";
      if (uid !== opts.uidPrecondition) {
        note.precondition = opts.uidPrecondition;
        throw conflict(
          def.group,
          def.resource,
          name,
          `Precondition failed: UID in precondition: ${opts.uidPrecondition}, UID in object meta: ${uid}`,
        );
      }
    }
    if (!current && !opts.allowCreate) throw notFound(def.group, def.resource, name);
    const desired = await transform(current && !opts.currentReadOnly ? copyJson(current) : current);
    if (!current) {
      (desired.metadata as ObjectMeta).resourceVersion = undefined;
      delete (desired.metadata as ObjectMeta).resourceVersion;
      try {
        return { obj: await this.create(def, desired, opts), created: true };
      } catch (err) {
        // Created meanwhile: upstream creates through a compare-and-swap at revision 0 and
        // the loser goes on as an update of what won.
        if (!opts.dryRun && err instanceof StatusError && err.reason === "AlreadyExists")
          return REREAD;
        throw err;
      }
    }
    const meta = desired.metadata as ObjectMeta;
    const precondition = meta.resourceVersion;
    a.note.precondition = precondition;
    if (precondition && precondition !== current.metadata?.resourceVersion)
      throw staleConflict(def, name);
    prepareMetaForUpdate(def, desired, current);
    this.prepareStrategy(def, desired, current, opts.subresource);
    if (opts.operation !== "Apply") {
      await server.extensions.updateManagedFields(def, desired, current, this.managedUpdate(opts));
    }
    const attrs = this.attrs("UPDATE", def, desired, current, opts);
    const result = await runWriteStages(
      server.pipeline,
      attrs,
      (a) =>
        withCel(def, () =>
          throwIfInvalid(
            def,
            a.object!,
            this.validateUpdate(def, a.object!, current, opts.subresource),
          ),
        ),
      async (a) => {
        const next = a.object!;
        const prepared = await server.store.prepareUpdate(def, next, current, state.value);
        if (prepared.unchanged) return state.suggested ? REREAD : current;
        if (opts.dryRun) return next;
        const swapped = <T>(write: Promise<T>) =>
          write.catch((err: unknown) => {
            note.swapFailed = true;
            throw err;
          });
        if (shouldDeleteDuringUpdate(def, next)) {
          const gone = await swapped(server.store.delete(def, namespace, name, state.modRevision));
          return {
            ...next,
            metadata: { ...next.metadata, resourceVersion: gone.metadata?.resourceVersion },
          };
        }
        return announced(server, def, next, prepared.value, () =>
          swapped(server.store.update(def, next, state.modRevision, prepared.value)),
        );
      },
    );
    return result === REREAD ? REREAD : { obj: result, created: false };
  }

  /** Deletes now, guarded by the revision the caller read. */
  async deleteNow(def: ResourceDef, current: KObject, opts: WriteOptions): Promise<KObject> {
    const server = this.#server;
    const meta = current.metadata as ObjectMeta;
    const attrs = this.attrs("DELETE", def, undefined, current, opts);
    return runWriteStages(
      server.pipeline,
      attrs,
      () => undefined,
      async () =>
        opts.dryRun
          ? current
          : server.store.delete(
              def,
              meta.namespace ?? "",
              meta.name ?? "",
              Number(meta.resourceVersion),
            ),
    );
  }

  /** Current time as metav1.Time. */
  now(): string {
    return rfc3339(this.#server.clock.now());
  }

  private prepareStrategy(def: ResourceDef, obj: KObject, old: KObject, subresource: string): void {
    const hasStatus = (def.subresources ?? []).some((s) => s.name === "status");
    if (subresource === "status") {
      if (def.strategy?.prepareForStatusUpdate) def.strategy.prepareForStatusUpdate(obj, old);
      else {
        for (const key of Object.keys(obj))
          if (!["apiVersion", "kind", "metadata", "status"].includes(key)) delete obj[key];
        for (const [key, value] of Object.entries(old)) {
          if (!["apiVersion", "kind", "metadata", "status"].includes(key))
            obj[key] = copyJson(value);
        }
        (obj.metadata as ObjectMeta).generation = old.metadata?.generation;
        if (obj.metadata?.generation === undefined) delete (obj.metadata as ObjectMeta).generation;
      }
      return;
    }
    if (subresource === "finalize") {
      // namespaces/finalize changes exactly what its handler sets
      // (spec.finalizers) and bypasses the update strategy, as upstream.
      if (old.status === undefined) delete obj.status;
      else obj.status = copyJson(old.status);
      return;
    }
    def.strategy?.defaults?.(obj);
    if (hasStatus && subresource === "") {
      if (old.status === undefined) delete obj.status;
      else obj.status = copyJson(old.status);
    }
    def.strategy?.prepareForUpdate?.(obj, old);
  }

  private validateUpdate(
    def: ResourceDef,
    obj: KObject,
    old: KObject,
    subresource: string,
  ): FieldError[] {
    const s = def.strategy;
    if (!s) return [];
    if (subresource === "status" && s.validateStatusUpdate) return s.validateStatusUpdate(obj, old);
    if (s.validateUpdateIsComplete) return s.validateUpdate?.(obj, old) ?? [];
    return [...(s.validate?.(obj) ?? []), ...(s.validateUpdate?.(obj, old) ?? [])];
  }

  private managedUpdate(opts: WriteOptions) {
    return {
      manager: opts.fieldManager,
      operation: opts.operation ?? "Update",
      subresource: opts.subresource,
      time: this.now(),
    } as const;
  }

  private attrs(
    operation: AdmissionOperation,
    def: ResourceDef,
    object: KObject | undefined,
    oldObject: KObject | undefined,
    opts: WriteOptions,
  ): AdmissionAttributes {
    const meta = (object ?? oldObject)?.metadata;
    return {
      operation,
      def,
      subresource: opts.subresource,
      namespace: meta?.namespace ?? "",
      name: meta?.name ?? "",
      object,
      oldObject,
      user: opts.user,
      dryRun: opts.dryRun,
      ...(opts.requestedFieldManager && { fieldManager: opts.requestedFieldManager }),
      warnings: opts.warnings,
      auditAnnotations: opts.auditAnnotations,
    };
  }
}

/** Runs a validation once CEL is loaded when def's strategy uses it, else at once (no promise). */
function withCel(def: ResourceDef, validate: () => void): Promise<void> | void {
  if (!def.strategy?.usesCel) return validate();
  return loadCel().then(validate);
}

function throwIfInvalid(def: ResourceDef, obj: KObject, errors: FieldError[]): void {
  if (errors.length > 0) throw invalid(def.group, def.kind, obj.metadata?.name ?? "", errors);
}

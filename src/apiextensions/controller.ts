/**
 * The CRD controller inside the API server (upstream's naming, establishing
 * and finalizer controllers in one): watches CustomResourceDefinitions in
 * storage, serves accepted ones through the registry (synchronously on each
 * event, so a new CRD is served in milliseconds), keeps their status
 * conditions (NamesAccepted, Established, Terminating) and storedVersions,
 * and on deletion removes every custom resource before dropping the
 * customresourcecleanup finalizer.
 */
import { ALL_VERBS, type ResourceDef } from "../api/types.ts";
import type { ServerContext } from "../apiserver/context.ts";
import { keyPrefix } from "../apiserver/object-store.ts";
import type { KeyValue } from "../storage/backend.ts";
import { customResourceDefs, storageVersionOf, withVerbs } from "./crd-defs.ts";
import { namesAccepted } from "./names.ts";
import {
  APIEXTENSIONS_GROUP,
  CLEANUP_FINALIZER,
  type CustomResourceDefinition,
  type CustomResourceDefinitionCondition,
  type CustomResourceDefinitionStatus,
} from "./types.ts";
import { deleteCustomResources } from "./cleanup.ts";
import { ConversionWebhooks } from "./conversion/conversion-webhooks.ts";

const RETRY_MS = 1000;

/** Watches CRDs and keeps the registry and their status in step. */
export class CrdController {
  readonly #ctx: ServerContext;
  readonly #crdDef: ResourceDef;
  readonly #crds = new Map<string, CustomResourceDefinition>();
  /** JSON of the spec each registered CRD was served from (skip no-op re-registrations). */
  readonly #served = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();
  readonly #conversion: ConversionWebhooks;

  constructor(ctx: ServerContext) {
    this.#ctx = ctx;
    this.#conversion = new ConversionWebhooks(ctx);
    this.#crdDef = ctx.registry.get(APIEXTENSIONS_GROUP, "v1", "customresourcedefinitions")!;
  }

  /** Lists CRDs, serves them, then follows the watch until the server stops. */
  async start(): Promise<void> {
    const revision = await this.#resync();
    void this.#watchLoop(revision + 1);
  }

  async #resync(): Promise<number> {
    const list = await this.#ctx.store.list(this.#crdDef, undefined, {});
    const seen = new Set<string>();
    for (const item of list.items) {
      const crd = item.obj as CustomResourceDefinition;
      seen.add(crd.metadata!.name!);
      this.#crds.set(crd.metadata!.name!, crd);
    }
    for (const name of [...this.#crds.keys()]) if (!seen.has(name)) this.#forget(name);
    for (const crd of this.#sorted()) await this.#reconcileSafe(crd.metadata!.name!);
    return list.revision;
  }

  async #watchLoop(startRevision: number): Promise<void> {
    const signal = this.#ctx.signal;
    let from = startRevision;
    while (!signal.aborted) {
      try {
        const watcher = this.#ctx.store.backend.watch(keyPrefix(this.#crdDef), {
          startRevision: from,
          signal,
        });
        for await (const batch of watcher) {
          for (const ev of batch) {
            from = ev.kv.modRevision + 1;
            this.#onEvent(ev.type, ev.kv);
          }
        }
      } catch {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, RETRY_MS));
        try {
          from = (await this.#resync()) + 1;
        } catch {
          // Storage unavailable: try again on the next turn.
        }
      }
    }
  }

  #onEvent(type: "PUT" | "DELETE", kv: KeyValue): void {
    const name = kv.key.slice(kv.key.lastIndexOf("/") + 1);
    if (type === "DELETE") {
      this.#forget(name);
      return;
    }
    const crd = this.#ctx.store.decode(this.#crdDef, kv) as CustomResourceDefinition;
    this.#crds.set(name, crd);
    void this.#enqueue(name);
  }

  #enqueue(name: string): Promise<void> {
    this.#queue = this.#queue.then(() => this.#reconcileSafe(name));
    return this.#queue;
  }

  #forget(name: string): void {
    this.#crds.delete(name);
    this.#served.delete(name);
    this.#ctx.registry.setDynamic(name, []);
  }

  #sorted(): CustomResourceDefinition[] {
    return [...this.#crds.values()].sort((a, b) => {
      const ta = a.metadata?.creationTimestamp ?? "";
      const tb = b.metadata?.creationTimestamp ?? "";
      return ta < tb ? -1 : ta > tb ? 1 : a.metadata!.name! < b.metadata!.name! ? -1 : 1;
    });
  }

  async #reconcileSafe(name: string): Promise<void> {
    try {
      await this.reconcile(name);
    } catch {
      if (this.#ctx.signal.aborted) return;
      setTimeout(() => void this.#enqueue(name), RETRY_MS).unref?.();
    }
  }

  /** Brings one CRD's registration and status in line with its spec. */
  async reconcile(name: string): Promise<void> {
    const crd = this.#crds.get(name);
    if (!crd) return;
    if (crd.metadata?.deletionTimestamp) {
      await this.#finalize(crd);
      return;
    }
    const sorted = this.#sorted();
    const others = sorted.slice(0, sorted.indexOf(crd));
    const builtins = this.#ctx.registry
      .all()
      .filter((d) => this.#ctx.registry.ownerOf(d.group, d.version, d.resource) === "");
    let accepted = namesAccepted(crd, others, builtins);
    if (accepted.status === "True") {
      const key = JSON.stringify(crd.spec);
      if (this.#served.get(name) !== key) {
        const webhook = this.#conversion.converterFor(crd);
        try {
          this.#ctx.registry.setDynamic(name, customResourceDefs(crd, webhook));
          this.#served.set(name, key);
        } catch (e) {
          accepted = {
            type: "NamesAccepted",
            status: "False",
            reason: "Conflict",
            message: (e as Error).message,
          };
        }
      }
    }
    if (accepted.status !== "True") {
      this.#served.delete(name);
      this.#ctx.registry.setDynamic(name, []);
    }
    const established: CustomResourceDefinitionCondition =
      accepted.status === "True"
        ? {
            type: "Established",
            status: "True",
            reason: "InitialNamesAccepted",
            message: "the initial names have been accepted",
          }
        : {
            type: "Established",
            status: "False",
            reason: "NotAccepted",
            message: "not all names are accepted",
          };
    const status: CustomResourceDefinitionStatus = { ...(crd.status ?? {}) };
    status.conditions = mergeConditions(
      crd.status?.conditions,
      [accepted, established],
      this.#now(),
    );
    if (accepted.status === "True") status.acceptedNames = { ...crd.spec.names };
    else status.acceptedNames ??= { plural: "", kind: "" };
    const storage = storageVersionOf(crd);
    const stored = [...(crd.status?.storedVersions ?? [])];
    if (storage && !stored.includes(storage)) stored.push(storage);
    status.storedVersions = stored;
    await this.#writeStatus(crd, status);
  }

  async #finalize(crd: CustomResourceDefinition): Promise<void> {
    const finalizers = crd.metadata?.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) return;
    const terminating: CustomResourceDefinitionCondition = {
      type: "Terminating",
      status: "True",
      reason: "InstanceDeletionInProgress",
      message: "CustomResource deletion is in progress",
    };
    const status = {
      ...(crd.status ?? {}),
      conditions: mergeConditions(crd.status?.conditions, [terminating], this.#now()),
    };
    await this.#writeStatus(crd, status);
    const defs = customResourceDefs(crd, this.#conversion.converterFor(crd));
    // While terminating, objects can be read and deleted but not created (405 as upstream).
    if (this.#served.get(crd.metadata!.name!) !== "terminating") {
      try {
        const noCreate = withVerbs(
          defs,
          ALL_VERBS.filter((v) => v !== "create"),
        );
        this.#ctx.registry.setDynamic(crd.metadata!.name!, noCreate);
        this.#served.set(crd.metadata!.name!, "terminating");
      } catch {
        // Names never accepted: nothing is served, nothing to block.
      }
    }
    // The storage version when served: its objects need no conversion to be deleted.
    const storage = storageVersionOf(crd);
    const def = defs.find((d) => d.version === storage) ?? defs[0];
    const remaining = def ? await deleteCustomResources(this.#ctx, def, this.#now()) : 0;
    if (remaining > 0) {
      setTimeout(() => void this.#enqueue(crd.metadata!.name!), RETRY_MS).unref?.();
      return;
    }
    this.#served.delete(crd.metadata!.name!);
    this.#ctx.registry.setDynamic(crd.metadata!.name!, []);
    await this.#update(crd.metadata!.name!, (cur) => {
      const meta = cur.metadata!;
      meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      if (meta.finalizers.length === 0) delete meta.finalizers;
      return cur;
    });
  }

  #now(): string {
    return new Date(this.#ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  async #writeStatus(
    crd: CustomResourceDefinition,
    status: CustomResourceDefinitionStatus,
  ): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(crd.status ?? {})) return;
    await this.#update(crd.metadata!.name!, (cur) => {
      cur.status = status;
      return cur;
    });
  }

  /** Read-modify-write of a CRD in storage; deletes it when finalized. */
  async #update(
    name: string,
    change: (crd: CustomResourceDefinition) => CustomResourceDefinition,
  ): Promise<void> {
    const store = this.#ctx.store;
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await store.getKV(this.#crdDef, "", name);
      if (!kv) return;
      const cur = store.decode(this.#crdDef, kv) as CustomResourceDefinition;
      const next = change(structuredClone(cur));
      try {
        if (next.metadata?.deletionTimestamp && !next.metadata.finalizers?.length) {
          await store.delete(this.#crdDef, "", name, kv.modRevision);
        } else {
          await store.update(this.#crdDef, next, kv.modRevision);
        }
        return;
      } catch (e) {
        if ((e as { reason?: string }).reason !== "Conflict") throw e;
      }
    }
  }
}

/** Conditions with `updates` applied; lastTransitionTime changes only when status does. */
export function mergeConditions(
  current: CustomResourceDefinitionCondition[] | undefined,
  updates: CustomResourceDefinitionCondition[],
  now: string,
): CustomResourceDefinitionCondition[] {
  const out = [...(current ?? [])];
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const prev = i >= 0 ? out[i] : undefined;
    const next = {
      ...u,
      lastTransitionTime: prev && prev.status === u.status ? prev.lastTransitionTime : now,
    };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

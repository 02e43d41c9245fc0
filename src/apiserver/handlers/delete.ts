/**
 * DELETE of one object, as upstream's generic store: preconditions, graceful
 * deletion (pods on a node get deletionTimestamp + deletionGracePeriodSeconds
 * and are removed by the kubelet; unscheduled or finished pods go at once),
 * finalizers (deletionTimestamp set, object kept until they are removed,
 * plus "orphan"/"foregroundDeletion" for those propagation policies),
 * namespaces (phase Terminating until spec.finalizers are gone).
 */
import { StatusError, notFound, qualifiedResource } from "../../api/status.ts";
import type { KObject, ObjectMeta, ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { rfc3339 } from "../object-meta.ts";
import { RestStore } from "../rest-store.ts";
import { successStatus } from "../response.ts";
import { reply, writeOptions } from "./common.ts";
import { checkPreconditions, readDeleteOptions, type DeleteOptions } from "./delete-options.ts";
import { copyJson } from "../../util/json-copy.ts";
import { currentFromCache } from "../watch-cache-reader.ts";

/** Namespaces that may never be deleted. */
const PROTECTED_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);

export interface DeleteResult {
  obj: KObject;
  /** False when the object was only marked (graceful deletion or finalizers pending). */
  deleted: boolean;
}

/** Pod grace period: 0 when the pod never ran on a node or has finished. */
function podGracePeriod(pod: KObject, requested: number | undefined): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

/** Deletes (or marks for deletion) one object. */
export async function deleteObject(
  ctx: RequestContext,
  def: ResourceDef,
  namespace: string,
  name: string,
  options: DeleteOptions,
): Promise<DeleteResult> {
  const store = ctx.server.store;
  const rest = new RestStore(ctx.server);
  const opts = { ...writeOptions(ctx, ""), dryRun: options.dryRun };
  if (def.group === "" && def.resource === "namespaces" && PROTECTED_NAMESPACES.has(name)) {
    throw new StatusError(
      "Forbidden",
      `namespaces "${name}" is forbidden: this namespace may not be deleted`,
      {
        name,
        kind: "namespaces",
      },
    );
  }
  // The watch cache's object first (shared: never changed; possibly stale), as
  // upstream's cacher hands its object to storage's Delete: the compare-and-swap
  // on its revision decides. Anything but a successful write from it (a failed
  // precondition or swap, nothing to change) is decided again from storage.
  let cached = opts.dryRun ? undefined : currentFromCache(ctx.server, def, namespace, name);
  // A conflict means another write won: retried without a bound while the
  // object moves, as updates are (RestStore.update); bounded when it stands still.
  let conflict: { err: unknown; at: string | undefined } | undefined;
  let stuck = 0;
  for (;;) {
    const suggested = cached !== undefined;
    const current = cached ? cached.obj : await store.tryGet(def, namespace, name);
    cached = undefined;
    if (!current) throw notFound(def.group, def.resource, name);
    if (conflict && current.metadata?.resourceVersion === conflict.at && ++stuck >= 16)
      throw conflict.err;
    if (suggested && !meetsPreconditions(options, current)) continue;
    checkPreconditions(options, current, qualifiedResource(def.group, def.resource), name);
    const marking = markForDeletion(def, current, options, ctx.server.clock.now());
    if (marking === "unchanged" || (marking && !changesMarks(marking, current))) {
      if (suggested) continue;
      return { obj: current, deleted: false };
    }
    if (marking) {
      try {
        const updated = opts.dryRun
          ? marking
          : await store.update(def, marking, Number(current.metadata?.resourceVersion));
        return { obj: updated, deleted: false };
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === "Conflict")) throw err;
        conflict = { err, at: current.metadata?.resourceVersion };
        continue;
      }
    }
    try {
      return { obj: await rest.deleteNow(def, current, opts), deleted: true };
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === "Conflict")) throw err;
      // A swap failed on the cache's (stale) revision: decided again from storage.
      if (suggested) continue;
      if (options.preconditions) throw err;
      conflict = { err, at: current.metadata?.resourceVersion };
    }
  }
}

/** Whether obj meets the request's uid and resourceVersion preconditions. */
function meetsPreconditions(options: DeleteOptions, obj: KObject): boolean {
  const p = options.preconditions;
  return (
    !p ||
    ((!p.uid || p.uid === obj.metadata?.uid) &&
      (!p.resourceVersion || p.resourceVersion === obj.metadata?.resourceVersion))
  );
}

/**
 * What a DELETE makes of current: a copy marked for deletion (graceful pod
 * deletion, a namespace's Terminating phase, finalizers pending), to be
 * stored; "unchanged" when current is a pod already terminating with a
 * grace period no longer than asked; undefined when it goes now. current
 * itself is never changed.
 */
function markForDeletion(
  def: ResourceDef,
  current: KObject,
  options: DeleteOptions,
  now: number,
): KObject | "unchanged" | undefined {
  const meta = current.metadata as ObjectMeta;
  // Copied only when something is marked: most deletions (the kubelet's, the
  // collector's of owners) store no marked object.
  let marked: KObject | undefined;
  const mark = () => (marked ??= copyJson(current));
  const markedMeta = () => mark().metadata as ObjectMeta;
  let keep = false;

  if (def.group === "" && def.resource === "pods") {
    const grace = podGracePeriod(current, options.gracePeriodSeconds);
    const previous = meta.deletionGracePeriodSeconds;
    if (grace > 0 && (previous === undefined || grace < previous)) {
      markedMeta().deletionTimestamp = rfc3339(now + grace * 1000);
      markedMeta().deletionGracePeriodSeconds = grace;
      keep = true;
    } else if (grace > 0 && previous !== undefined) {
      // Already terminating with a shorter or equal grace: nothing changes.
      return "unchanged";
    } else if (grace === 0 && (meta.finalizers ?? []).length > 0) {
      markedMeta().deletionGracePeriodSeconds = 0;
    }
  }
  if (def.group === "" && def.resource === "namespaces") {
    const finalizers = (current.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (finalizers.length > 0) {
      markedMeta().deletionTimestamp ??= rfc3339(now);
      markedMeta().deletionGracePeriodSeconds ??= 0;
      mark().status = { ...((current.status as object) ?? {}), phase: "Terminating" };
      keep = true;
    }
  }
  const finalizers = new Set(meta.finalizers ?? []);
  if (options.propagationPolicy === "Orphan") finalizers.add("orphan");
  if (options.propagationPolicy === "Foreground") finalizers.add("foregroundDeletion");
  if (options.propagationPolicy === "Background") {
    finalizers.delete("orphan");
    finalizers.delete("foregroundDeletion");
  }
  if (finalizers.size > 0) {
    markedMeta().finalizers = [...finalizers];
    markedMeta().deletionTimestamp ??= rfc3339(now);
    markedMeta().deletionGracePeriodSeconds ??= 0;
    keep = true;
  }
  return keep ? marked : undefined;
}

/** Whether marked (a copy of current changed only in metadata and status) differs from it. */
function changesMarks(marked: KObject, current: KObject): boolean {
  return (
    JSON.stringify([marked.metadata, marked.status]) !==
    JSON.stringify([current.metadata, current.status])
  );
}

export async function handleDelete(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const options = await readDeleteOptions(ctx);
  const { namespace, name } = ctx.info;
  const result = await deleteObject(ctx, def, namespace, name, options);
  if (!result.deleted) {
    await reply(ctx, 202, result.obj, negotiated);
    return;
  }
  if (def.group === "" && def.resource === "pods") {
    await reply(ctx, 200, result.obj, negotiated);
    return;
  }
  await reply(
    ctx,
    200,
    successStatus({
      name,
      group: def.group || undefined,
      kind: def.resource,
      uid: result.obj.metadata?.uid,
    }),
    negotiated,
  );
}

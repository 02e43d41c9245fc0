/**
 * Deletion of every custom resource of a CRD being deleted: objects without
 * finalizers are deleted at once; objects with finalizers get a
 * deletionTimestamp and are waited for, as upstream's finalizer controller.
 */
import type { KObject, ResourceDef } from "../api/types.ts";
import type { ServerContext } from "../apiserver/context.ts";

/** Deletes what it can; returns how many objects remain. */
export async function deleteCustomResources(
  ctx: ServerContext,
  def: ResourceDef,
  now: string,
): Promise<number> {
  const store = ctx.store;
  const list = await store.list(def, undefined, {});
  let remaining = 0;
  for (const { obj } of list.items) {
    const meta = obj.metadata!;
    const ns = meta.namespace ?? "";
    try {
      if (meta.finalizers?.length) {
        remaining++;
        if (!meta.deletionTimestamp) {
          const kv = await store.getKV(def, ns, meta.name!);
          if (!kv) continue;
          const cur: KObject = await store.decodeAsync(def, kv);
          cur.metadata!.deletionTimestamp = now;
          cur.metadata!.deletionGracePeriodSeconds = 0;
          await store.update(def, cur, kv.modRevision);
        }
        continue;
      }
      await store.delete(def, ns, meta.name!, Number(meta.resourceVersion));
    } catch {
      remaining++;
    }
  }
  return remaining;
}

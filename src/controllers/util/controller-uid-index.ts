/**
 * Objects indexed by the UID of their controller (upstream's
 * PodControllerUIDIndex), orphans under a per-namespace key, so a controller
 * syncing one owner looks only at that owner's objects and the namespace's
 * orphans instead of every object in the namespace.
 */
import type { KObject } from "../../api/types.ts";
import type { Indexer } from "../../client/informer/store.ts";
import { controllerOf } from "./controller-ref.ts";

/** The index name (shared: every controller adding it to a shared informer gets one index). */
export const CONTROLLER_UID_INDEX = "controllerUID";

/** Upstream's OrphanPodIndexKey, qualified by namespace. */
export function orphanIndexKey(namespace: string): string {
  return `_ORPHAN_POD/${namespace}`;
}

/** The index function: [controller uid] or [orphan key of the object's namespace]. */
export function controllerUIDIndexFunc(obj: KObject): string[] {
  const ref = controllerOf(obj);
  return [ref ? ref.uid : orphanIndexKey(obj.metadata?.namespace ?? "")];
}

/** Adds the index to an informer's indexer (idempotent). */
export function addControllerUIDIndex<T extends KObject>(indexer: Indexer<T>): void {
  indexer.addIndex(CONTROLLER_UID_INDEX, controllerUIDIndexFunc);
}

/**
 * The objects of `namespace` whose controller has uid `ownerUid`, then the
 * namespace's orphans (upstream's FilterPodsByOwner with orphans included).
 * Callers still check selectors: these are candidates, not claims.
 */
export function ownedAndOrphans<T extends KObject>(
  indexer: Indexer<T>,
  namespace: string,
  ownerUid: string,
): T[] {
  const owned = ownerUid
    ? indexer
        .byIndex(CONTROLLER_UID_INDEX, ownerUid)
        .filter((o) => (o.metadata?.namespace ?? "") === namespace)
    : [];
  return owned.concat(indexer.byIndex(CONTROLLER_UID_INDEX, orphanIndexKey(namespace)));
}

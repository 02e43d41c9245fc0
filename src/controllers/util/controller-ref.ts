/** Owner references that mark the managing controller of an object. */
import type { KObject, OwnerReference } from "../../api/types.ts";

export function controllerOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controller owner reference to `owner` (blockOwnerDeletion set, as upstream). */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? "",
    uid: owner.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The JSON merge patch that adopts obj under owner (guarded by obj's uid). */
export function adoptPatch(obj: KObject, ref: OwnerReference): unknown {
  return {
    metadata: {
      ownerReferences: [...(obj.metadata?.ownerReferences ?? []), ref],
      uid: obj.metadata?.uid,
    },
  };
}

/** The strategic merge patch that releases obj from the owner with uid ownerUid. */
export function releasePatch(obj: KObject, ownerUid: string): unknown {
  return {
    metadata: {
      ownerReferences: [{ $patch: "delete", uid: ownerUid }],
      uid: obj.metadata?.uid,
    },
  };
}

/** Handlers that call f for every add, update (with the new object) and delete. */
export function onEveryEvent<T extends KObject>(f: (obj: T) => void) {
  return { add: f, update: (_old: T, obj: T) => f(obj), delete: f };
}

/** Handlers that enqueue "namespace/name" of the object's controller when it is of `kind`. */
export function enqueueControllerOf<T extends KObject>(
  queue: { add(key: string): void },
  kind: string,
) {
  return onEveryEvent<T>((obj) => {
    const ref = controllerOf(obj);
    if (ref?.kind === kind) queue.add(`${obj.metadata?.namespace}/${ref.name}`);
  });
}

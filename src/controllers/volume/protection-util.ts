/**
 * Shared by the pvc-protection and pv-protection controllers (upstream's
 * protectionutil): when an object needs its protection finalizer added, and
 * when it is a deletion candidate whose finalizer may be removed.
 */
import type { KObject } from "../../api/types.ts";

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

/** Being deleted and still holding `finalizer`: the controller decides whether to release it. */
export function isDeletionCandidate(obj: KObject, finalizer: string): boolean {
  return !!obj.metadata?.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(finalizer);
}

/** Not being deleted and missing `finalizer` (created before the admission plugin ran). */
export function needToAddFinalizer(obj: KObject, finalizer: string): boolean {
  return !obj.metadata?.deletionTimestamp && !(obj.metadata?.finalizers ?? []).includes(finalizer);
}

/** A copy of obj with `finalizer` added or removed (the cached object is never mutated). */
export function withFinalizer<T extends KObject>(obj: T, finalizer: string, present: boolean): T {
  const rest = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
  return {
    ...obj,
    metadata: { ...obj.metadata, finalizers: present ? [...rest, finalizer] : rest },
  };
}

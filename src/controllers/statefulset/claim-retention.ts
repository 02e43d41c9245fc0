/**
 * persistentVolumeClaimRetentionPolicy (upstream StatefulSetAutoDeletePVC,
 * GA in v1.32): the owner references a claim of a StatefulSet's pod must
 * carry so the garbage collector deletes it at the right time.
 * - whenDeleted: Delete → the claim is owned by the StatefulSet (gone with it);
 * - whenScaled: Delete → the claim of a condemned pod (ordinal out of range
 *   after a scale-down) is owned by that pod only (gone with the pod).
 * Retain (the default for both) leaves no such reference.
 */
import type { KObject, OwnerReference } from "../../api/types.ts";

export interface RetentionPolicy {
  whenDeleted?: "Retain" | "Delete";
  whenScaled?: "Retain" | "Delete";
}

/**
 * The claim's owner references after applying policy: references to the set
 * (setUid) and to the pod (podUid) are added or removed; others are kept.
 */
export function claimOwnerRefs(args: {
  current: OwnerReference[];
  policy: RetentionPolicy | undefined;
  set: KObject;
  pod: KObject;
  /** The pod's ordinal is outside [start, start + replicas). */
  condemned: boolean;
}): OwnerReference[] {
  const { policy, set, pod, condemned } = args;
  const setUid = set.metadata?.uid ?? "";
  const podUid = pod.metadata?.uid ?? "";
  const out = args.current.filter((r) => r.uid !== setUid && r.uid !== podUid);
  // A condemned pod's claim under whenScaled Delete is owned by the pod alone, as
  // upstream: a remaining set reference would keep the collector from deleting it.
  const toPod = policy?.whenScaled === "Delete" && condemned;
  if (policy?.whenDeleted === "Delete" && !toPod)
    out.push({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      name: set.metadata?.name ?? "",
      uid: setUid,
      controller: true,
      blockOwnerDeletion: true,
    });
  if (toPod)
    out.push({ apiVersion: "v1", kind: "Pod", name: pod.metadata?.name ?? "", uid: podUid });
  return out;
}

/** Whether two owner reference lists name the same owners the same way. */
export function sameOwnerRefs(a: OwnerReference[], b: OwnerReference[]): boolean {
  const key = (r: OwnerReference) => `${r.uid}/${r.kind}/${r.controller === true}`;
  const sa = a.map(key).sort().join(",");
  return sa === b.map(key).sort().join(",");
}

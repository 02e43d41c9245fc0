/**
 * VolumeBinding (lite): a pod's PersistentVolumeClaims must exist and be
 * bound; a bound claim's PersistentVolume node affinity must match the node.
 * Dynamic provisioning and binding of WaitForFirstConsumer claims are not
 * done here: unbound claims keep the pod pending.
 */
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.d.ts";
import type {
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PreFilterPlugin,
} from "../../framework/interfaces.ts";
import { skip, unresolvable } from "../../framework/status.ts";
import { nodeSelectorMatches } from "../helper/node-selector.ts";

export const Name = "VolumeBinding";
export const ErrReasonNodeConflict = "node(s) had volume node affinity conflict";
export const ErrReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
const stateKey = "PreFilter" + Name;

export function newVolumeBinding(
  _args: unknown,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & EnqueueExtensions {
  return {
    name: Name,
    preFilter(state, pod) {
      const ns = pod.namespace;
      const claims = (pod.pod.spec?.volumes ?? [])
        .map((v) => v.persistentVolumeClaim?.claimName)
        .filter((c): c is string => !!c);
      if (!claims.length) return skip();
      const volumes: PersistentVolume[] = [];
      for (const name of claims) {
        const pvc = handle.lister("persistentvolumeclaims").get(ns, name) as
          PersistentVolumeClaim | undefined;
        if (!pvc) return unresolvable(`persistentvolumeclaim "${name}" not found`);
        if (pvc.metadata?.deletionTimestamp)
          return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
        const volumeName = pvc.spec?.volumeName;
        if (!volumeName) {
          const className = pvc.spec?.storageClassName;
          const sc = className
            ? handle.lister("storageclasses").get(undefined, className)
            : undefined;
          const mode = (sc as { volumeBindingMode?: string } | undefined)?.volumeBindingMode;
          return unresolvable(
            mode === "WaitForFirstConsumer" ? ErrReasonBindConflict : ErrReasonUnboundImmediate,
          );
        }
        const pv = handle.lister("persistentvolumes").get(undefined, volumeName) as
          PersistentVolume | undefined;
        if (!pv) return unresolvable(`persistentvolume "${volumeName}" not found`);
        volumes.push(pv);
      }
      state.write(stateKey, volumes);
      return null;
    },
    filter(state, _pod, node) {
      const volumes = state.read<PersistentVolume[]>(stateKey) ?? [];
      for (const pv of volumes) {
        const req = pv.spec?.nodeAffinity?.required;
        if (req && node.node && !nodeSelectorMatches(req, node.node))
          return unresolvable(ErrReasonNodeConflict);
      }
      return null;
    },
    eventsToRegister: () => [
      { resource: "PersistentVolumeClaim", actions: ["Add", "Update"] },
      { resource: "PersistentVolume", actions: ["Add", "Update"] },
      { resource: "StorageClass", actions: ["Add", "Update"] },
      { resource: "Node", actions: ["Add", "Update"] },
    ],
  } satisfies PreFilterPlugin & FilterPlugin & EnqueueExtensions;
}

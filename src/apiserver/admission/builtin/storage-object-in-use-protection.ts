/**
 * StorageObjectInUseProtection, as upstream: every new
 * PersistentVolumeClaim gets the kubernetes.io/pvc-protection finalizer and
 * every new PersistentVolume kubernetes.io/pv-protection, so the
 * pvc-protection / pv-protection controllers can hold their deletion while
 * a pod (or claim) still uses them. On by default, as upstream (the
 * controllers run in the controller manager, src/controllers/volume/).
 */
import type { AdmissionPlugin } from "../../pipeline.ts";

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

const FINALIZERS: Record<string, string> = {
  persistentvolumeclaims: PVC_PROTECTION_FINALIZER,
  persistentvolumes: PV_PROTECTION_FINALIZER,
};

export function storageObjectInUseProtectionPlugin(): AdmissionPlugin {
  return {
    name: "StorageObjectInUseProtection",
    admit(a) {
      if (a.operation !== "CREATE" || a.def.group !== "" || a.subresource !== "") return;
      const finalizer = FINALIZERS[a.def.resource];
      if (!finalizer || !a.object) return;
      const meta = (a.object.metadata ??= {});
      const list = meta.finalizers ?? [];
      if (!list.includes(finalizer)) meta.finalizers = [...list, finalizer];
    },
  };
}

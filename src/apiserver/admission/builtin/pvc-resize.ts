/**
 * PersistentVolumeClaimResize admission, as upstream: growing a claim's
 * storage request is allowed only when its StorageClass sets
 * allowVolumeExpansion: true.
 */
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { admissionForbidden } from "./admission-error.ts";
import { resourceList } from "./resource-list.ts";
import type { ServerRef } from "./server-ref.ts";

type Pvc = { spec?: { storageClassName?: string; resources?: { requests?: unknown } } };

export function pvcResizePlugin(server: ServerRef): AdmissionPlugin {
  return {
    name: "PersistentVolumeClaimResize",
    validate(attrs) {
      if (
        attrs.operation !== "UPDATE" ||
        attrs.subresource !== "" ||
        attrs.def.group !== "" ||
        attrs.def.resource !== "persistentvolumeclaims"
      )
        return;
      return checkResize(attrs);
    },
  };

  async function checkResize(attrs: AdmissionAttributes): Promise<void> {
    const pvc = attrs.object as Pvc;
    const old = attrs.oldObject as Pvc;
    const size = resourceList(pvc.spec?.resources?.requests).get("storage");
    const oldSize = resourceList(old?.spec?.resources?.requests).get("storage");
    if (!size || !oldSize || size.cmp(oldSize) <= 0) return;
    const s = await server.get();
    const def = s.registry.get("storage.k8s.io", "v1", "storageclasses");
    const className = pvc.spec?.storageClassName ?? "";
    const sc = def && className ? await s.store.tryGet(def, "", className) : undefined;
    if ((sc as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion !== true)
      throw admissionForbidden(
        attrs,
        "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
      );
  }
}

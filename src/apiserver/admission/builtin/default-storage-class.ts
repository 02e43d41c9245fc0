/**
 * DefaultStorageClass admission, as upstream: a PersistentVolumeClaim created
 * without spec.storageClassName (absent, not "") gets the default
 * StorageClass (annotation storageclass.kubernetes.io/is-default-class=true,
 * or the beta one); with several defaults the newest wins.
 */
import type { KObject } from "../../../api/types.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { isCreateOf, newestDefault } from "./default-class.ts";
import type { ServerRef } from "./server-ref.ts";

export const IS_DEFAULT_STORAGE_CLASS = "storageclass.kubernetes.io/is-default-class";
export const BETA_IS_DEFAULT_STORAGE_CLASS = "storageclass.beta.kubernetes.io/is-default-class";

/** The default class: newest creationTimestamp, then name, as upstream's GetDefaultClass. */
export function defaultStorageClass(classes: KObject[]): KObject | undefined {
  return newestDefault(
    classes,
    (a) => a[IS_DEFAULT_STORAGE_CLASS] === "true" || a[BETA_IS_DEFAULT_STORAGE_CLASS] === "true",
  );
}

export function defaultStorageClassPlugin(server: ServerRef): AdmissionPlugin {
  return {
    name: "DefaultStorageClass",
    admit(attrs) {
      if (!isCreateOf(attrs, "", "persistentvolumeclaims")) return;
      return setDefaultClass(attrs);
    },
  };

  async function setDefaultClass(attrs: AdmissionAttributes): Promise<void> {
    const spec = (attrs.object!.spec ??= {}) as { storageClassName?: string | null };
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    const s = await server.get();
    const def = s.registry.get("storage.k8s.io", "v1", "storageclasses");
    if (!def) return;
    const sc = defaultStorageClass(
      (await s.store.list(def, undefined, {})).items.map((i) => i.obj),
    );
    if (sc) spec.storageClassName = sc.metadata?.name;
  }
}

/** API locations of the resources the scheduler watches beyond src/client/resources.ts. */
import type { ResourceRef } from "../client/rest-client.ts";

const ref = (
  group: string,
  version: string,
  resource: string,
  namespaced: boolean,
): ResourceRef => ({
  group,
  version,
  resource,
  namespaced,
});

export const pvcRef = ref("", "v1", "persistentvolumeclaims", true);
export const pvRef = ref("", "v1", "persistentvolumes", false);
export const storageClassesRef = ref("storage.k8s.io", "v1", "storageclasses", false);
export const priorityClassesRef = ref("scheduling.k8s.io", "v1", "priorityclasses", false);

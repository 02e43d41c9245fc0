/** The storage.k8s.io/v1 resources. */
import type { KObject, ResourceDef } from "../types.ts";
import { defaultStorageClass } from "../defaults/groups.ts";
import { validateStorageClass, validateStorageClassUpdate } from "../validation/misc.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Every storage.k8s.io/v1 resource definition. */
export function storageResources(): ResourceDef[] {
  return [
    {
      group: "storage.k8s.io",
      version: "v1",
      resource: "storageclasses",
      singular: "storageclass",
      kind: "StorageClass",
      namespaced: false,
      shortNames: ["sc"],
      strategy: {
        defaults: defaultStorageClass,
        validate: validateStorageClass,
        validateUpdate: (o: KObject, old: KObject) => [
          ...validateMetaUpdate(o, old),
          ...validateStorageClassUpdate(o, old),
        ],
      },
      hasGeneration: false,
    },
  ];
}

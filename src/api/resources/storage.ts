/** The storage.k8s.io/v1 resources. */
import type { ResourceDef } from "../types.ts";

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
      hasGeneration: false,
    },
  ];
}

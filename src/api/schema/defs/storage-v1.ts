/**
 * storage.k8s.io/v1: StorageClass.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  StorageClass: "A class of dynamically provisioned storage: provisioner and parameters.",
  "StorageClass.metadata": "Standard object metadata.",
  "StorageClass.provisioner": "Name of the volume provisioner.",
  "StorageClass.parameters": "Provisioner-specific parameters.",
  "StorageClass.reclaimPolicy": "Delete (default) or Retain for provisioned volumes.",
  "StorageClass.mountOptions": "Mount options of provisioned volumes.",
  "StorageClass.allowVolumeExpansion": "Whether claims of this class may be expanded.",
  "StorageClass.volumeBindingMode": "Immediate (default) or WaitForFirstConsumer.",
  "StorageClass.allowedTopologies": "Topologies where volumes may be provisioned.",
  StorageClassList: "A list of storage classes.",
  "StorageClassList.metadata": "Standard list metadata.",
  "StorageClassList.items": "The storage classes.",
};

export const storageV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.storage.v1",
    types: {
      StorageClass: {
        gvk: [{ group: "storage.k8s.io", version: "v1", kind: "StorageClass" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          provisioner: [2, "string", { required: true, pointer: true }],
          parameters: [3, "map[string]"],
          reclaimPolicy: [4, "string", { pointer: true, enum: ["Delete", "Recycle", "Retain"] }],
          mountOptions: [5, "[]string", { listType: "atomic" }],
          allowVolumeExpansion: [6, "bool", { pointer: true }],
          volumeBindingMode: [
            7,
            "string",
            { pointer: true, enum: ["Immediate", "WaitForFirstConsumer"] },
          ],
          allowedTopologies: [8, `[]${CORE}.TopologySelectorTerm`, { listType: "atomic" }],
        },
      },
      StorageClassList: {
        gvk: [{ group: "storage.k8s.io", version: "v1", kind: "StorageClassList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]StorageClass", { required: true }],
        },
      },
    },
  },
  docs,
);

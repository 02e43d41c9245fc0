/**
 * coordination.k8s.io/v1: Lease.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  Lease: "A lease held by one holder at a time, for leader election and node heartbeats.",
  "Lease.metadata": "Standard object metadata.",
  "Lease.spec": "Holder and timing of the lease.",
  LeaseList: "A list of leases.",
  "LeaseList.metadata": "Standard list metadata.",
  "LeaseList.items": "The leases.",
  LeaseSpec: "Current holder and timing of a lease.",
  "LeaseSpec.holderIdentity": "Identity of the current holder.",
  "LeaseSpec.leaseDurationSeconds":
    "Seconds a candidate waits after renewTime before taking the lease.",
  "LeaseSpec.acquireTime": "When the current holder acquired the lease.",
  "LeaseSpec.renewTime": "When the holder last renewed the lease.",
  "LeaseSpec.leaseTransitions": "How many times the holder has changed.",
  "LeaseSpec.strategy": "Leader election strategy for coordinated election.",
  "LeaseSpec.preferredHolder": "Holder that should take over next, for coordinated election.",
};

export const coordinationV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.coordination.v1",
    types: {
      Lease: {
        gvk: [{ group: "coordination.k8s.io", version: "v1", kind: "Lease" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "LeaseSpec"],
        },
      },
      LeaseList: {
        gvk: [{ group: "coordination.k8s.io", version: "v1", kind: "LeaseList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]Lease", { required: true }],
        },
      },
      LeaseSpec: {
        fields: {
          holderIdentity: [1, "string", { pointer: true }],
          leaseDurationSeconds: [2, "int32", { pointer: true }],
          acquireTime: [3, "MicroTime"],
          renewTime: [4, "MicroTime"],
          leaseTransitions: [5, "int32", { pointer: true }],
          strategy: [6, "string", { pointer: true }],
          preferredHolder: [7, "string", { pointer: true }],
        },
      },
    },
  },
  docs,
);

/**
 * The write hook that gives Services their cluster IPs and node ports:
 * create allocates, update adjusts (type changes, added or removed ports),
 * delete (and an update that removes the object) releases. Values are
 * chosen before validation but taken only just before the store, so
 * invalid writes leave the allocation maps untouched; a write that is not
 * stored gives them back; dry-run writes hold nothing.
 */
import type { KObject } from "../../api/types.ts";
import { shouldDeleteDuringUpdate } from "../object-meta.ts";
import type { AdmissionAttributes, WriteHook, WriteHookHandle } from "../pipeline.ts";
import type { AllocationTxn, ServiceAllocator } from "./service-allocator.ts";

function handleOf(txn: AllocationTxn): WriteHookHandle {
  return {
    beforeStore: () => txn.reserve(),
    finish: (stored) => (stored ? txn.commit() : txn.revert()),
  };
}

/** Releases `svc`'s holdings once the delete is stored. */
function releaseAfterDelete(
  alloc: ServiceAllocator,
  svc: KObject,
  dryRun: boolean,
): WriteHookHandle {
  return {
    finish: async (stored) => {
      if (stored && !dryRun) await alloc.releaseService(svc);
    },
  };
}

/** A WriteHook allocating for core/v1 services (main resource only). */
export function serviceAllocationHook(alloc: ServiceAllocator): WriteHook {
  return {
    name: "ServiceAllocation",
    async begin(attrs: AdmissionAttributes) {
      if (attrs.def.group !== "" || attrs.def.resource !== "services") return undefined;
      if (attrs.subresource !== "") return undefined;
      switch (attrs.operation) {
        case "CREATE":
          return handleOf(await alloc.allocateCreate(attrs.object!, attrs.dryRun));
        case "UPDATE":
          if (shouldDeleteDuringUpdate(attrs.def, attrs.object!))
            return releaseAfterDelete(alloc, attrs.oldObject!, attrs.dryRun);
          return handleOf(
            await alloc.allocateUpdate(attrs.object!, attrs.oldObject!, attrs.dryRun),
          );
        case "DELETE":
          return releaseAfterDelete(alloc, attrs.oldObject!, attrs.dryRun);
        default:
          return undefined;
      }
    },
  };
}

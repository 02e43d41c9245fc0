/**
 * The pv-protection controller, as upstream: a PersistentVolume being
 * deleted keeps its kubernetes.io/pv-protection finalizer while it is Bound
 * (status.phase); a volume not being deleted gets the finalizer when missing.
 */
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { persistentVolumesRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import {
  PV_PROTECTION_FINALIZER,
  isDeletionCandidate,
  needToAddFinalizer,
  withFinalizer,
} from "./protection-util.ts";

/** Upstream's isBeingUsed: a volume is in use while its phase is Bound. */
export function pvIsBeingUsed(pv: KObject): boolean {
  return (pv as { status?: { phase?: string } }).status?.phase === "Bound";
}

export class PVProtectionController extends QueueController {
  private readonly pvs: SharedInformer;

  constructor(private readonly opts: ControllerDeps) {
    super("pvprotection", opts);
    this.pvs = this.informer(persistentVolumesRef);
    const changed = (pv: KObject) => {
      if (
        needToAddFinalizer(pv, PV_PROTECTION_FINALIZER) ||
        isDeletionCandidate(pv, PV_PROTECTION_FINALIZER)
      )
        this.queue.add(objectKey(pv));
    };
    this.pvs.addEventHandler({ add: changed, update: (_, pv) => changed(pv) });
  }

  async sync(key: string): Promise<void> {
    const pv = this.pvs.indexer.get(key);
    if (!pv) return;
    if (isDeletionCandidate(pv, PV_PROTECTION_FINALIZER)) {
      if (!pvIsBeingUsed(pv)) await this.write(pv, false);
      return;
    }
    if (needToAddFinalizer(pv, PV_PROTECTION_FINALIZER)) await this.write(pv, true);
  }

  private async write(pv: KObject, present: boolean): Promise<void> {
    try {
      await this.opts.client.update(
        persistentVolumesRef,
        withFinalizer(pv, PV_PROTECTION_FINALIZER, present),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * The persistentvolume-binder controller's static binding, as upstream's
 * PV controller: an unbound claim gets the smallest Available volume of its
 * storage class, volume mode and selector that offers its access modes and
 * requested size (or the volume it names); both sides are written Bound.
 * A volume whose bound claim is gone is Released (reclaimPolicy Retain or
 * Recycle) or deleted (Delete); a new volume becomes Available.
 *
 * Not here: dynamic provisioning, and WaitForFirstConsumer (claims bind at
 * once whatever their class's volumeBindingMode).
 */
import type { KObject } from "../../api/types.ts";
import { isConflict, isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { persistentVolumeClaimsRef, persistentVolumesRef } from "../../client/resources.ts";
import { parseQuantity } from "../../api/quantity.ts";
import { selectorMatches } from "../../api/validation/object-meta.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";

export const BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
export const BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";

interface ClaimRef {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}
type PV = KObject & {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    storageClassName?: string;
    volumeMode?: string;
    claimRef?: ClaimRef;
    persistentVolumeReclaimPolicy?: string;
  };
  status?: { phase?: string; message?: string };
};
type PVC = KObject & {
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string> };
    storageClassName?: string;
    volumeMode?: string;
    volumeName?: string;
    selector?: Record<string, unknown>;
  };
  status?: { phase?: string };
};

/** Bytes of a storage quantity (0 when absent or malformed). */
function storageOf(q: string | undefined): number {
  const parsed = q ? parseQuantity(q) : undefined;
  return parsed?.ok ? Number(parsed.quantity.value()) : 0;
}

/** Whether `pv` can serve `claim` (ignoring its phase and claimRef). */
export function volumeFits(pv: PV, claim: PVC): boolean {
  const want = claim.spec ?? {};
  const has = pv.spec ?? {};
  if ((has.storageClassName ?? "") !== (want.storageClassName ?? "")) return false;
  if ((has.volumeMode ?? "Filesystem") !== (want.volumeMode ?? "Filesystem")) return false;
  const modes = new Set(has.accessModes ?? []);
  if (!(want.accessModes ?? []).every((m) => modes.has(m))) return false;
  if (storageOf(has.capacity?.storage) < storageOf(want.resources?.requests?.storage)) return false;
  if (want.selector && !selectorMatches(want.selector, pv.metadata?.labels)) return false;
  return true;
}

/** Whether `pv`'s claimRef (if any) names `claim`. */
function reservedFor(pv: PV, claim: PVC): boolean {
  const ref = pv.spec?.claimRef;
  return (
    ref?.name === claim.metadata?.name &&
    ref?.namespace === claim.metadata?.namespace &&
    (!ref?.uid || ref.uid === claim.metadata?.uid)
  );
}

/**
 * The volume for an unbound claim without volumeName: one reserved for it
 * (claimRef) if it fits, else the smallest unreserved Available one that fits.
 */
export function findVolume(pvs: PV[], claim: PVC): PV | undefined {
  let best: PV | undefined;
  for (const pv of pvs) {
    if (pv.metadata?.deletionTimestamp || !volumeFits(pv, claim)) continue;
    if (pv.spec?.claimRef) {
      if (reservedFor(pv, claim)) return pv;
      continue;
    }
    if ((pv.status?.phase ?? "Available") !== "Available") continue;
    if (!best || storageOf(pv.spec?.capacity?.storage) < storageOf(best.spec?.capacity?.storage))
      best = pv;
  }
  return best;
}

export class PVBinderController extends QueueController {
  private readonly pvs: SharedInformer<PV>;
  private readonly claims: SharedInformer<PVC>;

  constructor(private readonly opts: ControllerDeps) {
    super("persistentvolume-binder", opts);
    this.pvs = this.informer<PV>(persistentVolumesRef);
    this.claims = this.informer<PVC>(persistentVolumeClaimsRef);
    const pvChanged = (pv: PV) => {
      this.queue.add(`pv/${objectKey(pv)}`);
      // A volume appearing or freed may be what a pending claim waits for.
      for (const c of this.claims.indexer.list())
        if (c.status?.phase !== "Bound") this.queue.add(`pvc/${objectKey(c)}`);
    };
    this.pvs.addEventHandler({ add: pvChanged, update: (_, pv) => pvChanged(pv) });
    const claimChanged = (c: PVC) => this.queue.add(`pvc/${objectKey(c)}`);
    this.claims.addEventHandler({
      add: claimChanged,
      update: (_, c) => claimChanged(c),
      delete: (c) => {
        const name = c.spec?.volumeName;
        if (name) this.queue.add(`pv/${name}`);
      },
    });
  }

  async sync(key: string): Promise<void> {
    try {
      if (key.startsWith("pv/")) await this.syncVolume(key.slice(3));
      else await this.syncClaim(key.slice(4));
    } catch (err) {
      // A stale cache: the informer's next event brings the key back.
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvs.indexer.get(name);
    if (!pv || pv.metadata?.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== "Available") await this.volumeStatus(pv, "Available");
      return;
    }
    const claim = this.claims.indexer.get(`${ref.namespace}/${ref.name}`);
    const claimGone = !claim || (ref.uid !== undefined && claim.metadata?.uid !== ref.uid);
    if (!claimGone || pv.status?.phase === "Released") return;
    if (pv.status?.phase !== "Bound") return; // reserved for a claim not created yet
    if (pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
      await this.opts.client.delete(persistentVolumesRef, undefined, name);
      return;
    }
    await this.volumeStatus(pv, "Released");
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.indexer.get(key);
    if (!claim || claim.metadata?.deletionTimestamp) return;
    const named = claim.spec?.volumeName;
    if (claim.status?.phase === "Bound" && named) return;
    const pv = named ? this.pvs.indexer.get(named) : findVolume(this.pvs.indexer.list(), claim);
    if (!pv) return; // stays Pending until a volume appears
    if (pv.spec?.claimRef && !reservedFor(pv, claim)) return; // taken by another claim
    await this.bind(pv, claim);
  }

  /** Upstream's order: volume claimRef, volume status, claim volumeName, claim status. */
  private async bind(pv: PV, claim: PVC): Promise<void> {
    const { client } = this.opts;
    let volume = pv;
    if (!reservedFor(pv, claim) || !pv.spec?.claimRef?.uid) {
      volume = structuredClone(pv);
      volume.spec = {
        ...volume.spec,
        claimRef: {
          kind: "PersistentVolumeClaim",
          namespace: claim.metadata?.namespace,
          name: claim.metadata?.name,
          uid: claim.metadata?.uid,
          apiVersion: "v1",
          resourceVersion: claim.metadata?.resourceVersion,
        },
      };
      volume.metadata!.annotations = {
        ...volume.metadata?.annotations,
        [BOUND_BY_CONTROLLER]: "yes",
      };
      volume = await client.update(persistentVolumesRef, volume);
    }
    if (volume.status?.phase !== "Bound") {
      volume = await client.update(
        persistentVolumesRef,
        { ...volume, status: { ...volume.status, phase: "Bound" } },
        { subresource: "status" },
      );
    }
    let next: PVC = structuredClone(claim);
    if (
      next.spec?.volumeName !== volume.metadata?.name ||
      !next.metadata?.annotations?.[BIND_COMPLETED]
    ) {
      next.spec = { ...next.spec, volumeName: volume.metadata?.name };
      next.metadata!.annotations = {
        ...next.metadata?.annotations,
        [BIND_COMPLETED]: "yes",
        ...(claim.spec?.volumeName ? {} : { [BOUND_BY_CONTROLLER]: "yes" }),
      };
      next = await client.update(persistentVolumeClaimsRef, next);
    }
    await client.update(
      persistentVolumeClaimsRef,
      {
        ...next,
        status: {
          ...next.status,
          phase: "Bound",
          accessModes: volume.spec?.accessModes,
          capacity: volume.spec?.capacity,
        },
      },
      { subresource: "status" },
    );
  }

  private async volumeStatus(pv: PV, phase: string): Promise<void> {
    await this.opts.client.update(
      persistentVolumesRef,
      { ...pv, status: { ...pv.status, phase } },
      { subresource: "status" },
    );
  }
}

/**
 * The pvc-protection controller, as upstream: a PersistentVolumeClaim being
 * deleted keeps its kubernetes.io/pvc-protection finalizer while a scheduled
 * pod uses it (a persistentVolumeClaim volume, or the claim of a generic
 * ephemeral volume owned by that pod, unless the pod is shut down); a claim
 * not being deleted gets the finalizer when missing. "Unused" is confirmed by
 * a live list of the namespace's pods, since the pod cache may lag.
 */
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { persistentVolumeClaimsRef, podsRef } from "../../client/resources.ts";
import type { Pod } from "../util/pods.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import {
  PVC_PROTECTION_FINALIZER,
  isDeletionCandidate,
  needToAddFinalizer,
  withFinalizer,
} from "./protection-util.ts";

interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName?: string };
  ephemeral?: unknown;
}

/** Upstream's PodPVCIndex: "namespace/claim" of every claim a pod's volumes name. */
const POD_PVC_INDEX = "pod-pvc";

function podVolumes(pod: Pod): PodVolume[] {
  return ((pod.spec as { volumes?: PodVolume[] } | undefined)?.volumes ?? []) as PodVolume[];
}

/** No claims: one shared, never-mutated empty list (most pods). */
const noClaims: string[] = [];

/**
 * Claim names a pod's volumes refer to (ephemeral claims are
 * "<pod>-<volume>"). Runs for every pod event (index and handlers): a pod
 * without claim volumes allocates nothing; callers must not mutate the result.
 */
export function claimNamesOf(pod: Pod): string[] {
  const volumes = (pod.spec as { volumes?: PodVolume[] } | undefined)?.volumes;
  if (!volumes) return noClaims;
  let out: string[] | undefined;
  for (const v of volumes) {
    const name = v.persistentVolumeClaim?.claimName
      ? v.persistentVolumeClaim.claimName
      : v.ephemeral
        ? `${pod.metadata?.name}-${v.name}`
        : undefined;
    if (name !== undefined) (out ??= []).push(name);
  }
  return out ?? noClaims;
}

/**
 * Kubelet is done with the pod or it was force-deleted: deleted with a zero
 * grace period. Such a pod no longer holds its ephemeral claims.
 */
export function podIsShutDown(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;
}

/**
 * Whether `pod` uses `pvc`. Only scheduled pods count: the kubelet refuses to
 * start a pod whose claim is being deleted.
 */
export function podUsesPVC(pod: Pod, pvc: KObject): boolean {
  if (!pod.spec?.nodeName || pod.metadata?.namespace !== pvc.metadata?.namespace) return false;
  const name = pvc.metadata?.name;
  return podVolumes(pod).some((v) => {
    if (v.persistentVolumeClaim) return v.persistentVolumeClaim.claimName === name;
    if (!v.ephemeral || podIsShutDown(pod) || `${pod.metadata?.name}-${v.name}` !== name)
      return false;
    // The claim must be the one created for this pod (controlled by it).
    return (pvc.metadata?.ownerReferences ?? []).some(
      (r) => r.controller && r.uid === pod.metadata?.uid,
    );
  });
}

export class PVCProtectionController extends QueueController {
  private readonly pvcs: SharedInformer;
  private readonly pods: SharedInformer<Pod>;

  constructor(private readonly opts: ControllerDeps) {
    super("pvcprotection", opts);
    this.pvcs = this.informer(persistentVolumeClaimsRef);
    this.pods = this.informer<Pod>(podsRef);
    this.pods.indexer.addIndex(POD_PVC_INDEX, (p) => {
      const claims = claimNamesOf(p as Pod);
      return claims.length ? claims.map((c) => `${p.metadata?.namespace}/${c}`) : noClaims;
    });
    const pvcChanged = (pvc: KObject) => {
      if (
        needToAddFinalizer(pvc, PVC_PROTECTION_FINALIZER) ||
        isDeletionCandidate(pvc, PVC_PROTECTION_FINALIZER)
      )
        this.queue.add(objectKey(pvc));
    };
    this.pvcs.addEventHandler({ add: pvcChanged, update: (_, p) => pvcChanged(p) });
    // A pod that goes away (or stops counting) may release its claims; an
    // update may also hide a delete + re-create, so the old pod's claims count too.
    const podChanged = (...pods: Pod[]) => {
      for (const pod of pods)
        for (const c of claimNamesOf(pod)) this.queue.add(`${pod.metadata?.namespace}/${c}`);
    };
    this.pods.addEventHandler({
      add: (p) => podChanged(p),
      update: (o, p) => podChanged(o, p),
      delete: (p) => podChanged(p),
    });
  }

  async sync(key: string): Promise<void> {
    const pvc = this.pvcs.indexer.get(key);
    if (!pvc) return;
    if (isDeletionCandidate(pvc, PVC_PROTECTION_FINALIZER)) {
      if (!(await this.isBeingUsed(pvc))) await this.write(pvc, false);
      return;
    }
    if (needToAddFinalizer(pvc, PVC_PROTECTION_FINALIZER)) await this.write(pvc, true);
  }

  /** The cache first (cheap, and enough to say "used"); "unused" only after a live list. */
  async isBeingUsed(pvc: KObject): Promise<boolean> {
    const cached = this.pods.indexer.byIndex(POD_PVC_INDEX, objectKey(pvc));
    if (cached.some((p) => podUsesPVC(p, pvc))) return true;
    const live = await this.opts.client.list<Pod>(podsRef, pvc.metadata?.namespace);
    return live.items.some((p) => podUsesPVC(p, pvc));
  }

  private async write(pvc: KObject, present: boolean): Promise<void> {
    try {
      // PUT with the cached resourceVersion: a conflict retries from a fresher cache.
      await this.opts.client.update(
        persistentVolumeClaimsRef,
        withFinalizer(pvc, PVC_PROTECTION_FINALIZER, present),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

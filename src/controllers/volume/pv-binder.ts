/**
 * The persistentvolume-binder controller, as upstream's PV controller:
 * - an unbound claim gets the smallest Available volume of its class,
 *   volume mode and selector that offers its access modes and size (or the
 *   volume it names, or one reserved for it); both sides are written Bound;
 * - a claim whose class waits for its first consumer (WaitForFirstConsumer)
 *   is left Pending until the scheduler picks a node (the selected-node
 *   annotation), apart from volumes already reserved for it;
 * - a claim no volume fits is provisioned when its class has a provisioner:
 *   the claim is annotated with the provisioner's name, which that
 *   (external) provisioner watches for; the volume it creates, reserved for
 *   the claim, is then bound here;
 * - a volume whose claim is gone is Released; Delete removes it (a
 *   provisioned volume is left to its provisioner, which deletes the
 *   storage first); Retain and Recycle keep it.
 *
 * Known difference: a hand-made volume with reclaimPolicy Delete is deleted
 * here, where upstream (no deleter plugin for it) marks it Failed.
 */
import type { EventRecorder } from "../../client/event-recorder.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import {
  persistentVolumeClaimsRef,
  persistentVolumesRef,
  podsRef,
} from "../../client/resources.ts";
import type { KObject } from "../../api/types.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  claimRefOf,
  findMatchingVolume,
  isDelayBindingMode,
  isDelayBindingProvisioning,
  isVolumeBoundToClaim,
  storageClassesRef,
  syncVolumeKey,
  type PV,
  type PVC,
  type StorageClass,
} from "./volume-util.ts";

export { findMatchingVolume, volumeFits } from "./volume-util.ts";
export const BIND_COMPLETED = ANN_BIND_COMPLETED;
export const BOUND_BY_CONTROLLER = ANN_BOUND_BY_CONTROLLER;

type Pod = KObject & {
  spec?: { nodeName?: string; volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
  status?: { phase?: string };
};

/** Names of the claim's not-yet-scheduled, not-finished pods (upstream's findNonScheduledPodsByPVC). */
export function unscheduledPodsOf(pods: Iterable<Pod>, claim: PVC): string[] {
  const out: string[] = [];
  for (const p of pods) {
    if (p.spec?.nodeName || p.status?.phase === "Succeeded" || p.status?.phase === "Failed")
      continue;
    const uses = (p.spec?.volumes ?? []).some(
      (v) => v.persistentVolumeClaim?.claimName === claim.metadata?.name,
    );
    if (uses) out.push(p.metadata?.name ?? "");
  }
  return out;
}

export class PVBinderController extends QueueController {
  private readonly pvs: SharedInformer<PV>;
  private readonly claims: SharedInformer<PVC>;
  private readonly classes: SharedInformer<StorageClass>;
  private readonly pods: SharedInformer<Pod>;

  constructor(private readonly opts: ControllerDeps & { recorder?: EventRecorder }) {
    super("persistentvolume-binder", opts);
    this.pvs = this.informer<PV>(persistentVolumesRef);
    this.claims = this.informer<PVC>(persistentVolumeClaimsRef);
    this.classes = this.informer<StorageClass>(storageClassesRef);
    this.pods = this.informer<Pod>(podsRef);
    const pvChanged = (pv: PV) => {
      this.queue.add(`pv/${objectKey(pv)}`);
      // A volume appearing or freed may be what a pending claim waits for
      // (a claim waiting for its first consumer only takes one reserved for it).
      const getClass = (n: string) => this.classes.indexer.get(n);
      for (const c of this.claims.indexer.list()) {
        if (c.status?.phase === "Bound") continue;
        const waits = isDelayBindingMode(c, getClass) && !isDelayBindingProvisioning(c);
        if (!waits || isVolumeBoundToClaim(pv, c)) this.queue.add(`pvc/${objectKey(c)}`);
      }
    };
    this.pvs.addEventHandler({ add: pvChanged, update: (_, pv) => pvChanged(pv) });
    const claimChanged = (c: PVC) => this.queue.add(`pvc/${objectKey(c)}`);
    this.claims.addEventHandler({
      add: claimChanged,
      update: (_, c) => claimChanged(c),
      delete: (c) => {
        const name = c.spec?.volumeName;
        if (name) this.queue.add(`pv/${name}`);
        // A volume provisioned for it but not yet bound is released too.
        for (const pv of this.pvs.indexer.list())
          if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid === c.metadata?.uid)
            this.queue.add(`pv/${objectKey(pv)}`);
      },
    });
    const classChanged = () => {
      for (const c of this.claims.indexer.list())
        if (c.status?.phase !== "Bound") this.queue.add(`pvc/${objectKey(c)}`);
    };
    this.classes.addEventHandler({ add: classChanged, update: classChanged });
  }

  sync(key: string): Promise<void> {
    return syncVolumeKey(
      key,
      (name) => this.syncVolume(name),
      (claimKey) => this.syncClaim(claimKey),
    );
  }

  private event(obj: KObject, type: "Normal" | "Warning", reason: string, message: string) {
    this.opts.recorder?.event(obj, type, reason, message);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvs.indexer.get(name);
    if (!pv || pv.metadata?.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref || !ref.uid) {
      // Unused, or reserved for a claim that has not bound yet.
      if (pv.status?.phase !== "Available") await this.volumeStatus(pv, "Available");
      return;
    }
    let claim = this.claims.indexer.get(`${ref.namespace}/${ref.name}`);
    const released = pv.status?.phase === "Released" || pv.status?.phase === "Failed";
    if (!claim && !released) {
      // The volume may be newer than this cache's claim (a provisioner, or the
      // scheduler, saw the claim first): ask the API before releasing it.
      claim = await this.opts.client
        .get<PVC>(persistentVolumeClaimsRef, ref.namespace, ref.name ?? "")
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
    }
    if (claim && claim.metadata?.uid !== ref.uid) claim = undefined;
    if (!claim) {
      if (!released) await this.volumeStatus(pv, "Released");
      await this.reclaim(pv);
      return;
    }
    const bound = claim.spec?.volumeName;
    if (!bound) {
      // Binding not finished: the claim's sync completes it.
      this.queue.add(`pvc/${objectKey(claim)}`);
      return;
    }
    if (bound === name) {
      if (pv.status?.phase !== "Bound") await this.volumeStatus(pv, "Bound");
      return;
    }
    // The claim is bound to another volume.
    const provisioned = !!pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
    if (provisioned && pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
      if (!released) await this.volumeStatus(pv, "Released");
      await this.reclaim(pv);
      return;
    }
    await this.unbindVolume(pv);
  }

  /** Runs the volume's reclaim policy once it is Released. */
  private async reclaim(pv: PV): Promise<void> {
    if (pv.spec?.persistentVolumeReclaimPolicy !== "Delete") return; // Retain, Recycle
    const provisioner = pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
    // An external provisioner deletes its storage, then the volume.
    if (provisioner && !provisioner.startsWith("kubernetes.io/")) return;
    await this.opts.client.delete(persistentVolumesRef, undefined, pv.metadata?.name ?? "");
  }

  /** A volume bound to a claim that took another: freed (bound by us) or left reserved (by the user). */
  private async unbindVolume(pv: PV): Promise<void> {
    const next = structuredClone(pv);
    if (pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
      delete next.spec!.claimRef;
      delete next.metadata!.annotations![ANN_BOUND_BY_CONTROLLER];
    } else {
      delete next.spec!.claimRef!.uid;
    }
    const saved = await this.opts.client.update(persistentVolumesRef, next);
    await this.volumeStatus(saved, "Available");
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.indexer.get(key);
    if (!claim || claim.metadata?.deletionTimestamp) return;
    const named = claim.spec?.volumeName;
    if (claim.status?.phase === "Bound" && named) return;
    if (named) {
      const pv = this.pvs.indexer.get(named);
      if (!pv) return; // stays Pending until the named volume appears
      if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, claim)) {
        if (!claim.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER])
          this.event(
            claim,
            "Warning",
            "FailedBinding",
            `volume "${named}" already bound to a different claim.`,
          );
        return;
      }
      await this.bind(pv, claim);
      return;
    }
    const getClass = (n: string) => this.classes.indexer.get(n);
    const delayBinding = isDelayBindingMode(claim, getClass);
    const pv = findMatchingVolume(this.pvs.indexer.list(), claim, { delayBinding });
    if (pv) {
      await this.bind(pv, claim);
      return;
    }
    if (delayBinding && !isDelayBindingProvisioning(claim)) {
      const pods = unscheduledPodsOf(
        this.pods.indexer.indexed("namespace", claim.metadata?.namespace ?? ""),
        claim,
      );
      if (pods.length === 0)
        this.event(
          claim,
          "Normal",
          "WaitForFirstConsumer",
          "waiting for first consumer to be created before binding",
        );
      else
        this.event(
          claim,
          "Normal",
          "WaitForPodScheduled",
          `waiting for ${pods.length > 1 ? "pods" : "pod"} ${pods.join(",")} to be scheduled`,
        );
      return;
    }
    if (claimClass(claim)) {
      await this.provisionClaim(claim);
      return;
    }
    this.event(
      claim,
      "Normal",
      "FailedBinding",
      "no persistent volumes available for this claim and no storage class is set",
    );
  }

  /**
   * Asks the class's (external) provisioner for a volume by annotating the
   * claim with its name (upstream's provisionClaimOperationExternal). No
   * in-tree provisioner exists here: "kubernetes.io/" ones fail.
   */
  private async provisionClaim(claim: PVC): Promise<void> {
    const name = claimClass(claim);
    const sc = this.classes.indexer.get(name);
    if (!sc) {
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `storageclass.storage.k8s.io "${name}" not found`,
      );
      return;
    }
    const provisioner = sc.provisioner ?? "";
    if (!provisioner || provisioner.startsWith("kubernetes.io/")) {
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `no volume plugin matched name: ${provisioner}`,
      );
      return;
    }
    const ann = claim.metadata?.annotations ?? {};
    let current = claim;
    if (
      ann[ANN_STORAGE_PROVISIONER] !== provisioner ||
      ann[ANN_BETA_STORAGE_PROVISIONER] !== provisioner
    ) {
      const next = structuredClone(claim);
      next.metadata!.annotations = {
        ...next.metadata?.annotations,
        [ANN_STORAGE_PROVISIONER]: provisioner,
        [ANN_BETA_STORAGE_PROVISIONER]: provisioner,
      };
      current = await this.opts.client.update(persistentVolumeClaimsRef, next);
    }
    this.event(
      current,
      "Normal",
      "ExternalProvisioning",
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' ` +
        "or manually by the system administrator. If volume creation is delayed, please verify " +
        "that the provisioner is running and correctly registered.",
    );
  }

  /** Upstream's order: volume claimRef, volume status, claim volumeName, claim status. */
  private async bind(pv: PV, claim: PVC): Promise<void> {
    const { client } = this.opts;
    let volume = pv;
    if (!isVolumeBoundToClaim(pv, claim) || !pv.spec?.claimRef?.uid) {
      volume = structuredClone(pv);
      volume.spec = {
        ...volume.spec,
        claimRef: claimRefOf(claim),
      };
      volume.metadata!.annotations = {
        ...volume.metadata?.annotations,
        [ANN_BOUND_BY_CONTROLLER]: "yes",
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
      !next.metadata?.annotations?.[ANN_BIND_COMPLETED]
    ) {
      next.spec = { ...next.spec, volumeName: volume.metadata?.name };
      next.metadata!.annotations = {
        ...next.metadata?.annotations,
        [ANN_BIND_COMPLETED]: "yes",
        ...(claim.spec?.volumeName ? {} : { [ANN_BOUND_BY_CONTROLLER]: "yes" }),
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

/**
 * The ReplicaSet controller (also run for ReplicationControllers): keeps the
 * number of active pods matching an owner's selector at spec.replicas,
 * adopting orphans and releasing pods that no longer match, and reports
 * status. Level-triggered: handlers enqueue owner keys; sync recomputes.
 */
import type { KObject } from "../../api/types.ts";
import {
  labelSelectorFromObject,
  selectorFromSet,
  type LabelSelector,
} from "../../api/selectors/label-selector.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey, splitKey } from "../../client/informer/store.ts";
import { deletePods } from "../util/delete-pods.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { podsRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import {
  adoptPatch,
  controllerOf,
  newControllerRef,
  releasePatch,
} from "../util/controller-ref.ts";
import { ControllerExpectations } from "../util/expectations.ts";
import { StatusThrottle } from "../util/status-throttle.ts";
import {
  addControllerUIDIndex,
  CONTROLLER_UID_INDEX,
  orphanIndexKey,
} from "../util/controller-uid-index.ts";
import { compareForDeletion, isPodActive, podReadyCondition, type Pod } from "../util/pods.ts";
import { podFromTemplate } from "../util/pod-template.ts";
import { addClaimed, scanPods, type PodFacts, type PodScan, type ScanContext } from "./pod-scan.ts";
import { PodTallies, tallied } from "./pod-tally.ts";

function sameLabels(a?: Record<string, string>, b?: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

/** Upstream's cap on creations/deletions per sync, and slow-start's first batch. */
const burstReplicas = 500;
const slowStartInitialBatch = 1;

export interface ReplicaSetControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
  /** ReplicaSet (apps/v1) or ReplicationController (v1). */
  ownerRef: ResourceRef;
  ownerKind: "ReplicaSet" | "ReplicationController";
  /** Spacing of count-only status writes per owner (StatusThrottle; default 1 s, 0: none). */
  statusWriteIntervalMs?: number;
}

type Owner = KObject & {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: unknown;
    template?: { metadata?: { labels?: Record<string, string> } };
  };
  status?: Record<string, unknown>;
};

export class ReplicaSetController extends QueueController {
  private readonly expectations: ControllerExpectations;
  private readonly owners: SharedInformer<Owner>;
  private readonly pods: SharedInformer<Pod>;
  /**
   * Per cached pod object (immutable, replaced on every change): its
   * PodFacts for the owner version they were computed for. A sync of a
   * large owner looks at every one of its pods, many times during a
   * rollout; this keeps that cheap.
   */
  private readonly podFacts = new WeakMap<Pod, PodFacts>();
  /** "uid/generation" per cached owner object (asked once per sync). */
  private readonly ownerVersions = new WeakMap<Owner, string>();
  /** The parsed selector per cached owner object (parsed once, not on every sync). */
  private readonly selectors = new WeakMap<Owner, LabelSelector | null>();
  /** Running counts per owner, so a sync re-reads only the pods that changed. */
  private readonly tallies = new PodTallies();
  private readonly statusThrottle: StatusThrottle;

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    super(opts.ownerKind === "ReplicaSet" ? "replicaset" : "replicationmanager", opts);
    this.expectations = new ControllerExpectations(opts.clock);
    this.statusThrottle = new StatusThrottle(opts.clock, opts.statusWriteIntervalMs);
    this.owners = this.informer<Owner>(opts.ownerRef);
    this.pods = this.informer<Pod>(podsRef);
    addControllerUIDIndex(this.pods.indexer);
    this.owners.addEventHandler({
      add: (o) => this.queue.add(objectKey(o)),
      update: (_, o) => this.queue.add(objectKey(o)),
      delete: (o) => {
        this.expectations.forget(objectKey(o));
        this.statusThrottle.forget(objectKey(o));
        if (o.metadata?.uid) this.tallies.forget(o.metadata.uid);
        this.queue.add(objectKey(o));
      },
    });
    // The tallies hear of every pod change before any sync can run.
    const touch = (p: Pod) => this.tallies.touch(controllerOf(p)?.uid, objectKey(p));
    this.pods.addEventHandler({
      // As upstream's addPod: a pod that shows up already terminating counts as deleted.
      add: (p) => {
        touch(p);
        this.podChanged(p, p.metadata?.deletionTimestamp ? "delete" : "add");
      },
      update: (old, p) => {
        touch(old);
        if (controllerOf(old)?.uid !== controllerOf(p)?.uid) touch(p);
        this.podUpdated(old, p);
      },
      delete: (p) => {
        touch(p);
        this.podChanged(p, "delete");
      },
    });
  }

  get apiVersion(): string {
    const r = this.opts.ownerRef;
    return r.group ? `${r.group}/${r.version}` : r.version;
  }

  private selectorOf(owner: Owner): LabelSelector | undefined {
    let sel = this.selectors.get(owner);
    if (sel === undefined) {
      sel = this.parseSelector(owner) ?? null;
      this.selectors.set(owner, sel);
    }
    return sel ?? undefined;
  }

  private parseSelector(owner: Owner): LabelSelector | undefined {
    if (this.opts.ownerKind === "ReplicationController") {
      const sel = owner.spec?.selector as Record<string, string> | undefined;
      return sel && Object.keys(sel).length ? selectorFromSet(sel) : undefined;
    }
    const r = labelSelectorFromObject(owner.spec?.selector as never);
    return r.ok ? r.selector : undefined;
  }

  private podChanged(pod: Pod, event?: "add" | "delete"): void {
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== this.opts.ownerKind) return;
      const key = `${pod.metadata?.namespace}/${ref.name}`;
      const owner = this.owners.indexer.get(key);
      if (!owner || owner.metadata?.uid !== ref.uid) return;
      if (event === "add") this.expectations.creationObserved(key);
      if (event === "delete") this.expectations.deletionObserved(key, pod.metadata?.uid);
      this.queue.add(key);
      return;
    }
    this.enqueueMatchingOwners(pod);
  }

  /**
   * As upstream's updatePod: a resync (same resourceVersion) is ignored; a
   * terminating pod (deletionTimestamp set) counts as deleted at once, so
   * the owner replaces it without waiting for the kubelet to remove it (the
   * expectations track deletions by UID: its later removal is not counted
   * again); a changed controllerRef syncs the old controller too; an orphan
   * whose labels or controllerRef changed syncs every owner that selects it.
   */
  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const oldRef = controllerOf(old);
    const ref = controllerOf(pod);
    const refChanged = oldRef?.uid !== ref?.uid;
    if (pod.metadata?.deletionTimestamp) {
      this.podChanged(pod, "delete");
      if (refChanged && oldRef) this.podChanged(old, "delete");
      return;
    }
    if (refChanged && oldRef) this.podChanged(old);
    if (ref) return this.podChanged(pod);
    if (refChanged || !sameLabels(old.metadata?.labels, pod.metadata?.labels))
      this.enqueueMatchingOwners(pod);
  }

  private enqueueMatchingOwners(pod: Pod): void {
    for (const owner of this.owners.indexer.byIndex("namespace", pod.metadata?.namespace ?? "")) {
      if (this.selectorOf(owner)?.matches(pod.metadata?.labels ?? {}))
        this.queue.add(objectKey(owner));
    }
  }

  /** Reconciles one owner by key. Idempotent. */
  async sync(key: string): Promise<void> {
    const owner = this.owners.indexer.get(key);
    if (!owner) {
      this.expectations.forget(key);
      return;
    }
    const namespace = splitKey(key).namespace ?? "";
    const selector = this.selectorOf(owner);
    const version = this.versionOf(owner);
    const ctx: ScanContext = {
      ownerUid: owner.metadata?.uid ?? "",
      namespace,
      ownerDeleting: !!owner.metadata?.deletionTimestamp,
      minReadySeconds: owner.spec?.minReadySeconds ?? 0,
      now: this.opts.clock.now(),
      facts: (pod) => this.factsOf(owner, version, selector, pod),
    };
    const index = this.pods.indexer;
    const owned = ctx.ownerUid ? index.indexed(CONTROLLER_UID_INDEX, ctx.ownerUid) : [];
    const orphans = index.indexed(CONTROLLER_UID_INDEX, orphanIndexKey(namespace));
    let scan: PodScan;
    if (ctx.ownerUid && tallied(ctx)) {
      scan = this.tallies.scan(
        version,
        { owned, orphans, get: (k) => index.get(k), keyOf: objectKey },
        ctx,
      );
    } else {
      this.tallies.forget(ctx.ownerUid);
      scan = scanPods(owned, orphans, ctx);
    }
    await this.releaseAndAdopt(owner, scan, ctx);
    let failure: string | undefined;
    if (this.expectations.satisfied(key) && !ctx.ownerDeleting) {
      failure = await this.manageReplicas(key, owner, scan);
    }
    await this.updateStatus(owner, scan, failure);
  }

  /** Releases owned pods that stopped matching and adopts matching orphans (claimed once adopted). */
  private async releaseAndAdopt(owner: Owner, scan: PodScan, ctx: ScanContext): Promise<void> {
    for (const pod of scan.release)
      await this.patchPod(pod, "strategic", releasePatch(pod, ctx.ownerUid));
    for (const pod of scan.adopt) {
      const adopted = await this.patchPod(
        pod,
        "merge",
        adoptPatch(pod, newControllerRef(owner, this.apiVersion, this.opts.ownerKind)),
      );
      if (adopted) addClaimed(scan, adopted, ctx.facts(adopted), ctx);
    }
  }

  /** The owner's "uid/generation", one string per cached owner object. */
  private versionOf(owner: Owner): string {
    let version = this.ownerVersions.get(owner);
    if (version === undefined) {
      version = `${owner.metadata?.uid}/${owner.metadata?.generation ?? 0}`;
      this.ownerVersions.set(owner, version);
    }
    return version;
  }

  /** The pod's PodFacts for this owner version (computed once per pod object and owner version). */
  private factsOf(
    owner: Owner,
    version: string,
    selector: LabelSelector | undefined,
    pod: Pod,
  ): PodFacts {
    let facts = this.podFacts.get(pod);
    if (facts !== undefined && facts.ownerVersion === version) return facts;
    const labels = pod.metadata?.labels ?? {};
    let fullyLabeled = true;
    for (const [k, v] of Object.entries(owner.spec?.template?.metadata?.labels ?? {}))
      if (labels[k] !== v) fullyLabeled = false;
    const ready = podReadyCondition(pod);
    facts = {
      ownerVersion: version,
      namespace: pod.metadata?.namespace ?? "",
      controllerUid: controllerOf(pod)?.uid,
      matches: (selector ?? this.selectorOf(owner))?.matches(labels) ?? false,
      fullyLabeled,
      terminating: !!pod.metadata?.deletionTimestamp,
      active: isPodActive(pod),
      ready: ready?.status === "True",
      readySinceMs: ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN,
    };
    this.podFacts.set(pod, facts);
    return facts;
  }

  private async patchPod(
    pod: Pod,
    type: "merge" | "strategic",
    patch: unknown,
  ): Promise<Pod | undefined> {
    try {
      return await this.opts.client.patch<Pod>(
        podsRef,
        pod.metadata?.namespace,
        pod.metadata?.name ?? "",
        type,
        patch,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates or deletes pods toward spec.replicas; returns a failure message if creation failed. */
  private async manageReplicas(
    key: string,
    owner: Owner,
    scan: PodScan,
  ): Promise<string | undefined> {
    const want = owner.spec?.replicas ?? 1;
    const diff = scan.active - want;
    const namespace = owner.metadata?.namespace ?? "";
    if (diff < 0) {
      const toCreate = Math.min(-diff, burstReplicas);
      this.expectations.expect(key, toCreate, 0);
      let attempted = 0;
      let batch = slowStartInitialBatch;
      let failure: string | undefined;
      // Slow start: batches of 1, 2, 4, ... stop at the first failure.
      while (attempted < toCreate && !failure) {
        const size = Math.min(batch, toCreate - attempted);
        const results = await Promise.allSettled(
          Array.from({ length: size }, () => this.createPod(owner, namespace)),
        );
        for (const r of results) {
          if (r.status === "fulfilled") continue;
          this.expectations.creationObserved(key);
          failure = r.reason instanceof Error ? r.reason.message : String(r.reason);
        }
        attempted += size;
        batch *= 2;
      }
      // Creations skipped after a failure will never be observed.
      for (let i = attempted; i < toCreate; i++) this.expectations.creationObserved(key);
      if (failure) {
        this.opts.recorder.event(owner, "Warning", "FailedCreate", `Error creating: ${failure}`);
      }
      return failure;
    }
    if (diff > 0) {
      const active = scan.activePods();
      const toDelete = Math.min(diff, burstReplicas);
      const perNode = new Map<string, number>();
      for (const p of active) {
        const n = p.spec?.nodeName ?? "";
        perNode.set(n, (perNode.get(n) ?? 0) + 1);
      }
      const rank = new Map(
        active.map((p) => [
          p.metadata?.uid ?? "",
          p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0,
        ]),
      );
      const victims = [...active].sort((a, b) => compareForDeletion(a, b, rank)).slice(0, toDelete);
      this.expectations.expectDeletions(
        key,
        victims.map((p) => p.metadata?.uid ?? ""),
      );
      await deletePods(
        { ...this.opts, expectations: this.expectations },
        key,
        owner,
        namespace,
        victims,
      );
    }
    return undefined;
  }

  private async createPod(owner: Owner, namespace: string): Promise<void> {
    const pod = podFromTemplate(
      owner,
      newControllerRef(owner, this.apiVersion, this.opts.ownerKind),
    );
    const created = await this.opts.client.create<Pod>(podsRef, namespace, pod);
    this.opts.recorder.event(
      owner,
      "Normal",
      "SuccessfulCreate",
      `Created pod: ${created.metadata?.name}`,
    );
  }

  private async updateStatus(
    owner: Owner,
    scan: PodScan,
    failure: string | undefined,
  ): Promise<void> {
    const now = this.opts.clock.now();
    const { fullyLabeled, ready, available } = scan;
    const old = owner.status ?? {};
    const conditions = ((old.conditions as { type: string }[] | undefined) ?? []).filter(
      (c) => c.type !== "ReplicaFailure",
    );
    if (failure) {
      conditions.push({
        type: "ReplicaFailure",
        status: "True",
        reason: "FailedCreate",
        message: failure,
        lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
      } as { type: string });
    }
    const status: Record<string, unknown> = {
      replicas: scan.active,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: owner.metadata?.generation ?? 0,
    };
    if (conditions.length) status.conditions = conditions;
    const num = (v: unknown) => (typeof v === "number" ? v : 0);
    const counts = ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"];
    const countsSame = counts.every((k) => status[k] === num(old[k]));
    const restSame =
      status.observedGeneration === num(old.observedGeneration) &&
      JSON.stringify(conditions) === JSON.stringify(old.conditions ?? []);
    if (countsSame && restSame) return;
    // Count-only changes in a burst are spaced (StatusThrottle), unless ready
    // or available pods went down: the deployment controller must see those at once.
    const key = objectKey(owner);
    const fewerUp = ready < num(old.readyReplicas) || available < num(old.availableReplicas);
    const hold = restSame && !fewerUp ? this.statusThrottle.holdFor(key) : 0;
    if (hold > 0) {
      this.queue.addAfter(key, hold);
      return;
    }
    this.statusThrottle.wrote(key);
    try {
      await this.opts.client.update(
        this.opts.ownerRef,
        { ...owner, status },
        { subresource: "status" },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // A pod becomes available minReadySeconds after it is ready: look again then.
    const minReady = owner.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && ready > available) this.queue.addAfter(objectKey(owner), minReady * 1000);
  }
}

/**
 * The StatefulSet controller: pods with stable names <set>-<ordinal> and
 * their PersistentVolumeClaims from volumeClaimTemplates, created in order
 * (OrderedReady) or all at once (Parallel), removed from the highest ordinal,
 * and rolled to a new template from the highest ordinal down to the
 * partition, one pod at a time. Revisions are kept as ControllerRevisions.
 * Claims get the owner references persistentVolumeClaimRetentionPolicy asks
 * for (claim-retention.ts) before a condemned pod is deleted.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { controllerRevisionsRef, podsRef, statefulSetsRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import { controllerOf, enqueueControllerOf, newControllerRef } from "../util/controller-ref.ts";
import { addControllerUIDIndex, ownedAndOrphans } from "../util/controller-uid-index.ts";
import {
  ensureRevision,
  revisionHashLabel,
  templateOf,
  trimRevisions,
  type ControllerRevision,
} from "../util/history.ts";
import { podFromTemplate } from "../util/pod-template.ts";
import { claimOwnerRefs, sameOwnerRefs, type RetentionPolicy } from "./claim-retention.ts";
import { isPodAvailable, isPodReady, type Pod } from "../util/pods.ts";

const pvcsRef = { group: "", version: "v1", resource: "persistentvolumeclaims", namespaced: true };

type StatefulSet = KObject & {
  spec?: {
    replicas?: number;
    serviceName?: string;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
    volumeClaimTemplates?: (KObject & { spec?: unknown })[];
    podManagementPolicy?: "OrderedReady" | "Parallel";
    updateStrategy?: {
      type?: "RollingUpdate" | "OnDelete";
      rollingUpdate?: { partition?: number };
    };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    ordinals?: { start?: number };
    persistentVolumeClaimRetentionPolicy?: RetentionPolicy;
  };
  status?: Record<string, unknown>;
};

export function ordinalOf(setName: string, podName: string): number | undefined {
  const prefix = `${setName}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

export class StatefulSetController extends QueueController {
  private readonly sets: SharedInformer<StatefulSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly revisions: SharedInformer<ControllerRevision>;
  private readonly claims: SharedInformer<KObject>;

  constructor(
    private readonly opts: ControllerDeps & {
      recorder: EventRecorder;
    },
  ) {
    super("statefulset", opts);
    this.sets = this.informer<StatefulSet>(statefulSetsRef);
    this.pods = this.informer<Pod>(podsRef);
    addControllerUIDIndex(this.pods.indexer);
    this.revisions = this.informer<ControllerRevision>(controllerRevisionsRef);
    this.claims = this.informer<KObject>(pvcsRef);
    const enqueue = (s: StatefulSet) => this.queue.add(objectKey(s));
    this.sets.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s), delete: enqueue });
    this.pods.addEventHandler(enqueueControllerOf<Pod>(this.queue, "StatefulSet"));
  }

  async sync(key: string): Promise<void> {
    const set = this.sets.indexer.get(key);
    if (!set || set.metadata?.deletionTimestamp) return;
    const ns = set.metadata?.namespace ?? "";
    const name = set.metadata?.name ?? "";
    const uid = set.metadata?.uid;
    const owned = (o: KObject) => controllerOf(o)?.uid === uid;
    const revisions = this.revisions.indexer.byIndex("namespace", ns).filter(owned);
    const update = await ensureRevision(this.opts.client, set, "StatefulSet", revisions);
    const updateHash = update.metadata?.labels?.[revisionHashLabel] ?? "";
    const pods = ownedAndOrphans(this.pods.indexer, ns, uid ?? "").filter(owned);
    const start = set.spec?.ordinals?.start ?? 0;
    const replicas = set.spec?.replicas ?? 1;
    const parallel = set.spec?.podManagementPolicy === "Parallel";
    const byOrdinal = new Map<number, Pod>();
    for (const p of pods) {
      const o = ordinalOf(name, p.metadata?.name ?? "");
      if (o !== undefined) byOrdinal.set(o, p);
    }
    const healthy = (p: Pod | undefined) =>
      !!p && p.status?.phase === "Running" && isPodReady(p) && !p.metadata?.deletionTimestamp;

    // Failed pods are replaced.
    for (const p of pods) {
      if (p.status?.phase === "Failed" && !p.metadata?.deletionTimestamp)
        await this.deletePod(set, p);
    }
    // Create missing pods in range, in order unless Parallel. As upstream
    // (newVersionedStatefulSetPod): below a RollingUpdate partition a pod is
    // re-created at the current revision; otherwise (and always with OnDelete)
    // at the update revision.
    const rolling = (set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision);
    for (let i = start; i < start + replicas; i++) {
      const pod = byOrdinal.get(i);
      if (!pod) {
        const atCurrent = rolling && i < start + partition && current && templateOf(current);
        await this.createPod(
          atCurrent ? { ...set, spec: { ...set.spec, template: atCurrent as never } } : set,
          i,
          atCurrent ? (current.metadata?.labels?.[revisionHashLabel] ?? updateHash) : updateHash,
        );
        if (!parallel) return this.writeStatus(set, pods, update);
        continue;
      }
      if (!parallel && !healthy(pod)) return this.writeStatus(set, pods, update);
    }
    for (const [o, p] of byOrdinal)
      await this.reconcileClaims(set, p, o < start || o >= start + replicas);
    // Remove pods beyond the range, highest ordinal first (one at a time unless Parallel).
    const extra = [...byOrdinal.entries()]
      .filter(([o]) => o >= start + replicas || o < start)
      .sort((a, b) => b[0] - a[0]);
    for (const [, p] of extra) {
      if (p.metadata?.deletionTimestamp) {
        if (!parallel) return this.writeStatus(set, pods, update);
        continue;
      }
      await this.deletePod(set, p);
      if (!parallel) return this.writeStatus(set, pods, update);
    }
    // Rolling update from the highest ordinal down to the partition.
    if (rolling) {
      for (let i = start + replicas - 1; i >= start + partition; i--) {
        const p = byOrdinal.get(i);
        if (!p) break;
        if (p.metadata?.labels?.[revisionHashLabel] !== updateHash) {
          if (!p.metadata?.deletionTimestamp) await this.deletePod(set, p);
          break;
        }
        if (!healthy(p)) break;
      }
    }
    await trimRevisions(
      this.opts.client,
      revisions,
      new Set([
        update.metadata?.name ?? "",
        ...pods.map((p) => `${name}-${p.metadata?.labels?.[revisionHashLabel]}`),
      ]),
      set.spec?.revisionHistoryLimit ?? 10,
    );
    await this.writeStatus(set, pods, update);
  }

  private async createPod(set: StatefulSet, ordinal: number, hash: string): Promise<void> {
    const ns = set.metadata?.namespace ?? "";
    const name = `${set.metadata?.name}-${ordinal}`;
    for (const tpl of set.spec?.volumeClaimTemplates ?? []) {
      const claim = `${tpl.metadata?.name}-${name}`;
      try {
        await this.opts.client.create(pvcsRef, ns, {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: {
            name: claim,
            namespace: ns,
            labels: { ...(set.spec?.selector?.matchLabels ?? {}) },
            ownerReferences:
              set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete"
                ? claimOwnerRefs({
                    current: [],
                    policy: set.spec.persistentVolumeClaimRetentionPolicy,
                    set,
                    pod: {},
                    condemned: false,
                  })
                : undefined,
          },
          spec: tpl.spec,
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    const pod = podFromTemplate(set, newControllerRef(set, "apps/v1", "StatefulSet"), {
      labels: {
        [revisionHashLabel]: hash,
        "statefulset.kubernetes.io/pod-name": name,
        "apps.kubernetes.io/pod-index": String(ordinal),
      },
    });
    delete pod.metadata!.generateName;
    pod.metadata!.name = name;
    const spec = pod.spec as {
      hostname?: string;
      subdomain?: string;
      volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    };
    spec.hostname = name;
    if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
    for (const tpl of set.spec?.volumeClaimTemplates ?? []) {
      const volName = tpl.metadata?.name ?? "";
      spec.volumes = [
        ...(spec.volumes ?? []).filter((v) => v.name !== volName),
        { name: volName, persistentVolumeClaim: { claimName: `${volName}-${name}` } },
      ];
    }
    try {
      await this.opts.client.create(podsRef, ns, pod);
      this.opts.recorder.event(
        set,
        "Normal",
        "SuccessfulCreate",
        `create Pod ${name} in StatefulSet ${set.metadata?.name} successful`,
      );
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** Brings the owner references of pod's claims in line with the retention policy. */
  private async reconcileClaims(set: StatefulSet, pod: Pod, condemned: boolean): Promise<void> {
    const ns = set.metadata?.namespace ?? "";
    for (const tpl of set.spec?.volumeClaimTemplates ?? []) {
      const claim = this.claims.indexer.get(`${ns}/${tpl.metadata?.name}-${pod.metadata?.name}`);
      if (!claim || claim.metadata?.deletionTimestamp) continue;
      const current = claim.metadata?.ownerReferences ?? [];
      const wanted = claimOwnerRefs({
        current,
        policy: set.spec?.persistentVolumeClaimRetentionPolicy,
        set,
        pod,
        condemned,
      });
      if (sameOwnerRefs(current, wanted)) continue;
      try {
        await this.opts.client.update(pvcsRef, {
          ...claim,
          metadata: { ...claim.metadata, ownerReferences: wanted },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async deletePod(set: StatefulSet, p: Pod): Promise<void> {
    try {
      await this.opts.client.delete(podsRef, p.metadata?.namespace, p.metadata?.name ?? "");
      this.opts.recorder.event(
        set,
        "Normal",
        "SuccessfulDelete",
        `delete Pod ${p.metadata?.name} in StatefulSet ${set.metadata?.name} successful`,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async writeStatus(
    set: StatefulSet,
    pods: Pod[],
    update: ControllerRevision,
  ): Promise<void> {
    const now = this.opts.clock.now();
    const updateHash = update.metadata?.labels?.[revisionHashLabel];
    const active = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const updated = active.filter(
      (p) => p.metadata?.labels?.[revisionHashLabel] === updateHash,
    ).length;
    const allUpdated = updated === (set.spec?.replicas ?? 1) && active.length === updated;
    const currentRevision = allUpdated
      ? update.metadata?.name
      : ((set.status?.currentRevision as string | undefined) ?? update.metadata?.name);
    const currentHash = currentRevision?.slice((set.metadata?.name ?? "").length + 1);
    const status: Record<string, unknown> = {
      observedGeneration: set.metadata?.generation ?? 0,
      replicas: active.length,
      readyReplicas: active.filter(isPodReady).length,
      currentReplicas: active.filter((p) => p.metadata?.labels?.[revisionHashLabel] === currentHash)
        .length,
      updatedReplicas: updated,
      availableReplicas: active.filter((p) =>
        isPodAvailable(p, set.spec?.minReadySeconds ?? 0, now),
      ).length,
      currentRevision,
      updateRevision: update.metadata?.name,
      collisionCount: (set.status?.collisionCount as number | undefined) ?? 0,
    };
    if (JSON.stringify(status) === JSON.stringify({ ...set.status, conditions: undefined })) return;
    try {
      await this.opts.client.update(statefulSetsRef, { ...set, status }, { subresource: "status" });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      // The cache lags a spec change: as upstream's retry on conflict, once against the live object.
      const live = await this.opts.client.get<StatefulSet>(
        statefulSetsRef,
        set.metadata?.namespace,
        set.metadata?.name ?? "",
      );
      if (live.metadata?.uid !== set.metadata?.uid) return;
      await this.opts.client.update(
        statefulSetsRef,
        { ...live, status },
        { subresource: "status" },
      );
    }
  }
}

/**
 * The Deployment controller: owns ReplicaSets, one per pod template, and
 * moves replicas from old ones to the new one by the Recreate or
 * RollingUpdate strategy, keeping the revision annotations, the
 * pod-template-hash label, status counts and conditions that
 * `kubectl rollout status|history|undo` read.
 */
import type { KObject } from "../../api/types.ts";
import { labelSelectorFromObject } from "../../api/selectors/label-selector.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { deploymentsRef, replicaSetsRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import { adoptPatch, controllerOf, newControllerRef } from "../util/controller-ref.ts";
import { computeHash, storedTemplateKey, templateKey } from "../util/hash.ts";
import { newReplicaSetReplicas, resolveFenceposts } from "./rolling.ts";
import { planOldScaleDown } from "./old-scale-down.ts";
import { isScalingEvent, proportionalSizes } from "./proportional.ts";
import { deploymentStatus, statusChanged, type Deployment, type ReplicaSet } from "./status.ts";

export const revisionAnnotation = "deployment.kubernetes.io/revision";
const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
const templateHashLabel = "pod-template-hash";
/** Annotations never copied from a deployment to its ReplicaSets. */
const skipAnnotations = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  revisionAnnotation,
  "deployment.kubernetes.io/revision-history",
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
]);

export interface DeploymentControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

function revisionOf(rs: KObject): number {
  return Number(rs.metadata?.annotations?.[revisionAnnotation] ?? 0) || 0;
}

/** The RS template with its pod-template-hash label removed, for comparing with a deployment's. */
function templateWithoutHash(rs: ReplicaSet): unknown {
  const t = structuredClone(rs.spec?.template ?? {});
  const labels = t.metadata?.labels;
  if (labels) {
    delete labels[templateHashLabel];
    if (Object.keys(labels).length === 0) delete t.metadata!.labels;
  }
  return t;
}

/**
 * The ReplicaSet among `owned` whose template (without its hash label) is
 * `template`, defaults applied to both. Several can be (one written before a
 * template default existed, one after): as upstream's FindNewReplicaSet, the
 * oldest of them, then by name.
 */
export function findNewReplicaSet(template: unknown, owned: ReplicaSet[]): ReplicaSet | undefined {
  const desired = templateKey(template);
  let found: ReplicaSet | undefined;
  for (const rs of owned) {
    if (found && !olderThan(rs, found)) continue;
    if (storedTemplateKey(rs, templateWithoutHash) === desired) found = rs;
  }
  return found;
}

function olderThan(a: ReplicaSet, b: ReplicaSet): boolean {
  const [ta, tb] = [a.metadata?.creationTimestamp ?? "", b.metadata?.creationTimestamp ?? ""];
  if (ta !== tb) return ta < tb;
  return (a.metadata?.name ?? "") < (b.metadata?.name ?? "");
}

export class DeploymentController extends QueueController {
  private readonly deployments: SharedInformer<Deployment>;
  private readonly replicaSets: SharedInformer<ReplicaSet>;

  constructor(private readonly opts: DeploymentControllerOptions) {
    super("deployment", opts);
    this.deployments = this.informer<Deployment>(deploymentsRef);
    this.replicaSets = this.informer<ReplicaSet>(replicaSetsRef);
    const enqueue = (d: Deployment) => this.queue.add(objectKey(d));
    this.deployments.addEventHandler({
      add: enqueue,
      update: (_, d) => enqueue(d),
      delete: enqueue,
    });
    const rsChanged = (rs: ReplicaSet) => {
      const ref = controllerOf(rs);
      if (ref?.kind === "Deployment") this.queue.add(`${rs.metadata?.namespace}/${ref.name}`);
      else if (!ref) this.enqueueMatching(rs);
    };
    this.replicaSets.addEventHandler({
      add: rsChanged,
      update: (_, rs) => rsChanged(rs),
      delete: rsChanged,
    });
  }

  private enqueueMatching(rs: ReplicaSet): void {
    for (const d of this.deployments.indexer.byIndex("namespace", rs.metadata?.namespace ?? "")) {
      const sel = labelSelectorFromObject(d.spec?.selector as never);
      if (sel.ok && sel.selector.matches(rs.metadata?.labels ?? {})) this.queue.add(objectKey(d));
    }
  }

  async sync(key: string): Promise<void> {
    let d = this.deployments.indexer.get(key);
    if (!d || d.metadata?.deletionTimestamp) return;
    const sel = labelSelectorFromObject(d.spec?.selector as never);
    if (!sel.ok || sel.selector.isEmpty()) {
      this.opts.recorder.event(
        d,
        "Warning",
        "SelectingAll",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      return;
    }
    const owned = await this.claimReplicaSets(d, (labels) => sel.selector.matches(labels));
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    let newRS = findNewReplicaSet(d.spec?.template, owned);
    const olds = owned.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...olds.map(revisionOf));

    const existing = [...(newRS ? [newRS] : []), ...olds];
    // As upstream: paused, or resized since the last scaling: only scale (proportionally).
    if (d.spec?.paused || isScalingEvent(d.spec?.replicas ?? 1, existing)) {
      await this.scaleProportionally(d, newRS, olds);
    } else {
      newRS = await this.ensureNewReplicaSet(d, newRS, hash, maxOldRevision);
      const updated = await this.stampRevision(d, newRS);
      if (!updated) return;
      d = updated;
      if (d.spec?.strategy?.type === "Recreate") await this.rolloutRecreate(d, newRS, olds);
      else await this.rolloutRolling(d, newRS, olds);
      await this.cleanupHistory(d, olds);
    }
    const status = deploymentStatus(d, newRS, olds, this.opts.clock.now());
    if (statusChanged(d, status)) {
      try {
        await this.opts.client.update(deploymentsRef, { ...d, status }, { subresource: "status" });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Mirrors the new ReplicaSet's revision on the deployment (rollout undo patches next to it). */
  private async stampRevision(d: Deployment, newRS: ReplicaSet): Promise<Deployment | undefined> {
    const revision = newRS.metadata?.annotations?.[revisionAnnotation];
    if (!revision || d.metadata?.annotations?.[revisionAnnotation] === revision) return d;
    const copy = structuredClone(d);
    copy.metadata!.annotations = {
      ...(copy.metadata?.annotations ?? {}),
      [revisionAnnotation]: revision,
    };
    try {
      return await this.opts.client.update<Deployment>(deploymentsRef, copy);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async claimReplicaSets(
    d: Deployment,
    matches: (l: Record<string, string>) => boolean,
  ): Promise<ReplicaSet[]> {
    const uid = d.metadata?.uid;
    const out: ReplicaSet[] = [];
    for (const rs of this.replicaSets.indexer.byIndex("namespace", d.metadata?.namespace ?? "")) {
      const ref = controllerOf(rs);
      if (ref) {
        if (ref.uid === uid) out.push(rs);
        continue;
      }
      if (!matches(rs.metadata?.labels ?? {}) || rs.metadata?.deletionTimestamp) continue;
      const adopted = await this.opts.client.patch<ReplicaSet>(
        replicaSetsRef,
        rs.metadata?.namespace,
        rs.metadata?.name ?? "",
        "merge",
        adoptPatch(rs, newControllerRef(d, "apps/v1", "Deployment")),
      );
      out.push(adopted);
    }
    return out;
  }

  private copiedAnnotations(d: Deployment): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata?.annotations ?? {}))
      if (!skipAnnotations.has(k)) out[k] = v;
    return out;
  }

  /** Finds or creates the ReplicaSet for the current template and stamps its revision. */
  private async ensureNewReplicaSet(
    d: Deployment,
    existing: ReplicaSet | undefined,
    hash: string,
    maxOldRevision: number,
  ): Promise<ReplicaSet> {
    const replicas = d.spec?.replicas ?? 1;
    const { surge } = resolveFenceposts(replicas, d.spec?.strategy?.rollingUpdate);
    const revision = String(maxOldRevision + 1);
    if (existing) {
      const ann = existing.metadata?.annotations ?? {};
      const wantRevision =
        revisionOf(existing) <= maxOldRevision ? revision : ann[revisionAnnotation];
      const copied = this.copiedAnnotations(d);
      const needs =
        ann[revisionAnnotation] !== wantRevision ||
        ann[desiredReplicasAnnotation] !== String(replicas) ||
        Object.entries(copied).some(([k, v]) => ann[k] !== v);
      if (!needs) return existing;
      const updated = structuredClone(existing);
      updated.metadata!.annotations = {
        ...ann,
        ...copied,
        [revisionAnnotation]: wantRevision ?? revision,
        [desiredReplicasAnnotation]: String(replicas),
        [maxReplicasAnnotation]: String(replicas + surge),
      };
      return this.opts.client.update(replicaSetsRef, updated);
    }
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [templateHashLabel]: hash },
    };
    const selector = structuredClone(d.spec?.selector ?? {}) as {
      matchLabels?: Record<string, string>;
    };
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [templateHashLabel]: hash };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata?.name}-${hash}`,
        namespace: d.metadata?.namespace,
        labels: { ...(d.spec?.template?.metadata?.labels ?? {}), [templateHashLabel]: hash },
        annotations: {
          ...this.copiedAnnotations(d),
          [revisionAnnotation]: revision,
          [desiredReplicasAnnotation]: String(replicas),
          [maxReplicasAnnotation]: String(replicas + surge),
        },
        ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds ?? 0,
        selector,
        template,
      },
    };
    const created = await this.opts.client.create<ReplicaSet>(
      replicaSetsRef,
      d.metadata?.namespace,
      rs,
    );
    // Created at size 0: the scale-up that follows reports "from 0 to N" (upstream
    // reports creation only when it creates at a non-zero size).
    return created;
  }

  private async scaleRS(d: Deployment, rs: ReplicaSet, to: number): Promise<ReplicaSet> {
    const from = rs.spec?.replicas ?? 0;
    const replicas = d.spec?.replicas ?? 1;
    const { surge } = resolveFenceposts(replicas, d.spec?.strategy?.rollingUpdate);
    const ann = rs.metadata?.annotations ?? {};
    // As upstream scaleReplicaSet: the size or the scaling annotations may need the write.
    const annotated =
      ann[desiredReplicasAnnotation] === String(replicas) &&
      ann[maxReplicasAnnotation] === String(replicas + surge);
    if (from === to && (annotated || to === 0)) return rs;
    const updated = structuredClone(rs);
    updated.spec = { ...(updated.spec ?? {}), replicas: to };
    updated.metadata!.annotations = {
      ...(updated.metadata?.annotations ?? {}),
      [desiredReplicasAnnotation]: String(replicas),
      [maxReplicasAnnotation]: String(replicas + surge),
    };
    const result = await this.opts.client.update<ReplicaSet>(replicaSetsRef, updated);
    if (from === to) return result;
    const verb = to > from ? "up" : "down";
    this.opts.recorder.event(
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${verb} replica set ${rs.metadata?.name} from ${from} to ${to}`,
    );
    return result;
  }

  /** upstream DeploymentController.scale: the count spread over the active ReplicaSets. */
  private async scaleProportionally(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    olds: ReplicaSet[],
  ): Promise<void> {
    const replicas = d.spec?.replicas ?? 1;
    const sizes = proportionalSizes({
      replicas,
      surge: resolveFenceposts(replicas, d.spec?.strategy?.rollingUpdate).surge,
      statusReplicas: d.status?.replicas ?? 0,
      rollingUpdate: d.spec?.strategy?.type !== "Recreate",
      newRS,
      olds,
    });
    for (const rs of [...(newRS ? [newRS] : []), ...olds]) {
      const to = sizes.get(rs.metadata?.name ?? "");
      if (to !== undefined) await this.scaleRS(d, rs, to);
    }
  }

  private async rolloutRecreate(
    d: Deployment,
    newRS: ReplicaSet,
    olds: ReplicaSet[],
  ): Promise<void> {
    for (const rs of olds) await this.scaleRS(d, rs, 0);
    const oldPodsLeft = olds.some(
      (rs) => (rs.status?.replicas ?? 0) > 0 || (rs.spec?.replicas ?? 0) > 0,
    );
    if (!oldPodsLeft) await this.scaleRS(d, newRS, d.spec?.replicas ?? 1);
  }

  private async rolloutRolling(
    d: Deployment,
    newRS: ReplicaSet,
    olds: ReplicaSet[],
  ): Promise<void> {
    const replicas = d.spec?.replicas ?? 1;
    const { surge, unavailable } = resolveFenceposts(replicas, d.spec?.strategy?.rollingUpdate);
    const activeOlds = olds.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    if (activeOlds.length === 0) {
      await this.scaleRS(d, newRS, replicas);
      return;
    }
    const total = () => [newRS, ...olds].reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    const target = newReplicaSetReplicas({
      replicas,
      surge,
      newReplicas: newRS.spec?.replicas ?? 0,
      totalReplicas: total(),
    });
    if (target !== (newRS.spec?.replicas ?? 0)) {
      newRS = await this.scaleRS(d, newRS, target);
    }
    // Unhealthy old replicas go first, then available ones within maxUnavailable.
    const plan = planOldScaleDown({
      replicas,
      maxUnavailable: unavailable,
      newRS: {
        replicas: newRS.spec?.replicas ?? 0,
        available: newRS.status?.availableReplicas ?? 0,
      },
      olds: activeOlds.map((rs) => ({
        name: rs.metadata?.name ?? "",
        replicas: rs.spec?.replicas ?? 0,
        available: rs.status?.availableReplicas ?? 0,
        created: Date.parse(rs.metadata?.creationTimestamp ?? "") || 0,
      })),
    });
    for (const [name, to] of plan.sizes) {
      const rs = activeOlds.find((r) => r.metadata?.name === name);
      if (rs) await this.scaleRS(d, rs, to);
    }
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupHistory(d: Deployment, olds: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const idle = olds
      .filter(
        (rs) =>
          (rs.spec?.replicas ?? 0) === 0 &&
          (rs.status?.replicas ?? 0) === 0 &&
          !rs.metadata?.deletionTimestamp,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        await this.opts.client.delete(
          replicaSetsRef,
          rs.metadata?.namespace,
          rs.metadata?.name ?? "",
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

/**
 * The DaemonSet controller, as upstream's: one pod per eligible node (see
 * node-eligibility.ts), created with a node-name affinity so the scheduler
 * binds it there; pods on nodes that no longer fit are removed, failed ones
 * replaced and duplicates trimmed. Templates are versioned as
 * ControllerRevisions (pods carry controller-revision-hash) and rolled with
 * RollingUpdate (maxUnavailable/maxSurge, see rolling-update.ts) or left to
 * the user with OnDelete. Level-triggered: handlers enqueue DaemonSet keys;
 * sync recomputes everything from the caches.
 */
import type { Node } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../api/types.ts";
import { labelSelectorFromObject } from "../../api/selectors/label-selector.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import {
  controllerRevisionsRef,
  daemonSetsRef,
  nodesRef,
  podsRef,
} from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import { adoptPatch, controllerOf, newControllerRef } from "../util/controller-ref.ts";
import { addControllerUIDIndex, ownedAndOrphans } from "../util/controller-uid-index.ts";
import { ControllerExpectations } from "../util/expectations.ts";
import {
  ensureRevision,
  revisionHashLabel,
  trimRevisions,
  type ControllerRevision,
} from "../util/history.ts";
import { deletePods } from "../util/delete-pods.ts";
import { podFromTemplate } from "../util/pod-template.ts";
import { isPodAvailable, isPodReady, type Pod } from "../util/pods.ts";
import {
  addDaemonPodTolerations,
  nodeShouldRunDaemonPod,
  setNodeNameAffinity,
  targetNodeOf,
  type PodSpec,
} from "./node-eligibility.ts";
import { planRollingUpdate, surgeAndUnavailable, type NodePods } from "./rolling-update.ts";

export const podTemplateGenerationLabel = "pod-template-generation";
const burstReplicas = 250;

export type DaemonSet = KObject & {
  spec?: {
    selector?: unknown;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec };
    updateStrategy?: {
      type?: "RollingUpdate" | "OnDelete";
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: Record<string, unknown>;
};

export interface DaemonSetControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

const oldestFirst = (a: Pod, b: Pod) =>
  (Date.parse(a.metadata?.creationTimestamp ?? "") || 0) -
    (Date.parse(b.metadata?.creationTimestamp ?? "") || 0) ||
  ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1);

export class DaemonSetController extends QueueController {
  private readonly expectations: ControllerExpectations;
  private readonly sets: SharedInformer<DaemonSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer<KObject>;
  private readonly revisions: SharedInformer<ControllerRevision>;

  constructor(private readonly opts: DaemonSetControllerOptions) {
    super("daemonset", opts);
    this.expectations = new ControllerExpectations(opts.clock);
    this.sets = this.informer<DaemonSet>(daemonSetsRef);
    this.pods = this.informer<Pod>(podsRef);
    addControllerUIDIndex(this.pods.indexer);
    this.nodes = this.informer(nodesRef);
    this.revisions = this.informer<ControllerRevision>(controllerRevisionsRef);
    const enqueue = (ds: DaemonSet) => this.queue.add(objectKey(ds));
    this.sets.addEventHandler({
      add: enqueue,
      update: (_, ds) => enqueue(ds),
      delete: (ds) => {
        this.expectations.forget(objectKey(ds));
        enqueue(ds);
      },
    });
    this.pods.addEventHandler({
      add: (p) => this.podChanged(p, "add"),
      // A delete request shows up as deletionTimestamp being set: that is the observed delete.
      update: (old, p) =>
        this.podChanged(
          p,
          p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp ? "delete" : undefined,
        ),
      delete: (p) => this.podChanged(p, p.metadata?.deletionTimestamp ? undefined : "delete"),
    });
    const all = () => {
      for (const ds of this.sets.indexer.list()) enqueue(ds);
    };
    this.nodes.addEventHandler({ add: all, update: all, delete: all });
  }

  private podChanged(pod: Pod, event?: "add" | "delete"): void {
    const ref = controllerOf(pod);
    if (!ref) {
      // An orphan may be adopted by a DaemonSet whose selector matches it.
      for (const ds of this.sets.indexer.byIndex("namespace", pod.metadata?.namespace ?? "")) {
        const sel = labelSelectorFromObject(ds.spec?.selector as never);
        if (sel.ok && sel.selector.matches(pod.metadata?.labels ?? {}))
          this.queue.add(objectKey(ds));
      }
      return;
    }
    if (ref.kind !== "DaemonSet") return;
    const key = `${pod.metadata?.namespace}/${ref.name}`;
    if (event === "add") this.expectations.creationObserved(key);
    if (event === "delete") this.expectations.deletionObserved(key);
    this.queue.add(key);
  }

  /** Reconciles one DaemonSet by key. Idempotent. */
  async sync(key: string): Promise<void> {
    const ds = this.sets.indexer.get(key);
    if (!ds) {
      this.expectations.forget(key);
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const ns = ds.metadata?.namespace ?? "";
    const uid = ds.metadata?.uid;
    const owned = (o: KObject) => controllerOf(o)?.uid === uid;
    const revisions = this.revisions.indexer.byIndex("namespace", ns).filter(owned);
    const current = await ensureRevision(this.opts.client, ds, "DaemonSet", revisions);
    const hash = current.metadata?.labels?.[revisionHashLabel] ?? "";
    const pods = await this.claimPods(ds);
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const node = targetNodeOf(p.spec as PodSpec) ?? "";
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const template = structuredClone(ds.spec?.template?.spec ?? {}) as PodSpec;
    addDaemonPodTolerations(template);
    const nodes = this.nodes.indexer.list() as Node[];
    const decisions = new Map(
      nodes.map((n) => [n.metadata?.name ?? "", nodeShouldRunDaemonPod(n, template)]),
    );
    const isCurrent = (p: Pod) => p.metadata?.labels?.[revisionHashLabel] === hash;
    const now = this.opts.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const isAvailable = (p: Pod) => isPodAvailable(p, minReady, now);
    const rolling = (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const desired = [...decisions.values()].filter((d) => d.shouldRun).length;
    const limits = surgeAndUnavailable(ds.spec?.updateStrategy?.rollingUpdate, desired);
    const surge = rolling && limits.maxSurge > 0;

    if (this.expectations.satisfied(key)) {
      const create: string[] = [];
      const remove: Pod[] = [];
      for (const [name, decision] of decisions) {
        const here = byNode.get(name) ?? [];
        const live = here.filter((p) => !p.metadata?.deletionTimestamp).sort(oldestFirst);
        if (decision.shouldRun && here.length === 0) create.push(name);
        else if (!decision.shouldContinueRunning) remove.push(...live);
        else {
          remove.push(...live.filter((p) => p.status?.phase === "Failed"));
          const running = live.filter((p) => p.status?.phase !== "Failed");
          const keep = surge
            ? [running.find(isCurrent), running.find((p) => !isCurrent(p))]
            : [running[0]];
          remove.push(...running.filter((p) => !keep.includes(p)));
        }
      }
      // Pods aimed at nodes that no longer exist.
      for (const [name, here] of byNode)
        if (!decisions.has(name))
          remove.push(...here.filter((p) => !p.metadata?.deletionTimestamp));
      if (create.length === 0 && remove.length === 0 && rolling) {
        const nodePods: NodePods[] = [...decisions.keys()].map((node) => ({
          node,
          pods: (byNode.get(node) ?? [])
            .filter((p) => !p.metadata?.deletionTimestamp)
            .sort(oldestFirst),
        }));
        const plan = planRollingUpdate(nodePods, isCurrent, isAvailable, limits);
        create.push(...plan.createOnNodes);
        remove.push(...plan.deletePods);
      }
      await this.syncNodes(key, ds, create, remove, hash);
    }
    await this.updateStatus(ds, decisions, byNode, isCurrent, isAvailable);
    const inUse = new Set(
      pods.map((p) => `${ds.metadata?.name}-${p.metadata?.labels?.[revisionHashLabel]}`),
    );
    inUse.add(current.metadata?.name ?? "");
    await trimRevisions(this.opts.client, revisions, inUse, ds.spec?.revisionHistoryLimit ?? 10);
  }

  /** Owned pods, after adopting orphans that match the selector. */
  private async claimPods(ds: DaemonSet): Promise<Pod[]> {
    const sel = labelSelectorFromObject(ds.spec?.selector as never);
    const uid = ds.metadata?.uid;
    const out: Pod[] = [];
    for (const pod of ownedAndOrphans(this.pods.indexer, ds.metadata?.namespace ?? "", uid ?? "")) {
      const ref = controllerOf(pod);
      if (ref) {
        if (ref.uid === uid) out.push(pod);
        continue;
      }
      if (!sel.ok || !sel.selector.matches(pod.metadata?.labels ?? {})) continue;
      if (pod.metadata?.deletionTimestamp) continue;
      try {
        out.push(
          await this.opts.client.patch<Pod>(
            podsRef,
            pod.metadata?.namespace,
            pod.metadata?.name ?? "",
            "merge",
            adoptPatch(pod, newControllerRef(ds, "apps/v1", "DaemonSet")),
          ),
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return out;
  }

  private async syncNodes(
    key: string,
    ds: DaemonSet,
    createOn: string[],
    remove: Pod[],
    hash: string,
  ): Promise<void> {
    const creates = createOn.slice(0, burstReplicas);
    const deletes = remove.slice(0, burstReplicas);
    if (creates.length === 0 && deletes.length === 0) return;
    this.expectations.expect(key, creates.length, deletes.length);
    const ns = ds.metadata?.namespace ?? "";
    // Slow start: batches of 1, 2, 4, ...; stop at the first failure.
    let done = 0;
    let batch = 1;
    let failed = false;
    while (done < creates.length && !failed) {
      const nodes = creates.slice(done, done + batch);
      const results = await Promise.allSettled(nodes.map((n) => this.createPod(ds, n, hash)));
      for (const r of results) {
        if (r.status === "fulfilled") continue;
        failed = true;
        this.expectations.creationObserved(key);
        const why = r.reason instanceof Error ? r.reason.message : String(r.reason);
        this.opts.recorder.event(ds, "Warning", "FailedCreate", `Error creating: ${why}`);
      }
      done += nodes.length;
      batch *= 2;
    }
    for (let i = done; i < creates.length; i++) this.expectations.creationObserved(key);
    await deletePods({ ...this.opts, expectations: this.expectations }, key, ds, ns, deletes);
  }

  private async createPod(ds: DaemonSet, node: string, hash: string): Promise<void> {
    const pod = podFromTemplate(ds, newControllerRef(ds, "apps/v1", "DaemonSet"), {
      labels: {
        [revisionHashLabel]: hash,
        [podTemplateGenerationLabel]: String(ds.metadata?.generation ?? 1),
      },
    });
    const spec = pod.spec as PodSpec;
    addDaemonPodTolerations(spec);
    setNodeNameAffinity(spec, node);
    const created = await this.opts.client.create<Pod>(podsRef, ds.metadata?.namespace, pod);
    this.opts.recorder.event(
      ds,
      "Normal",
      "SuccessfulCreate",
      `Created pod: ${created.metadata?.name}`,
    );
  }

  private async updateStatus(
    ds: DaemonSet,
    decisions: Map<string, { shouldRun: boolean }>,
    byNode: Map<string, Pod[]>,
    isCurrent: (p: Pod) => boolean,
    isAvailable: (p: Pod) => boolean,
  ): Promise<void> {
    let desired = 0;
    let scheduled = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const [node, decision] of decisions) {
      const here = (byNode.get(node) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      if (decision.shouldRun) {
        desired++;
        if (here.length === 0) continue;
        scheduled++;
        const pod = [...here].sort(oldestFirst)[0]!;
        if (isPodReady(pod)) ready++;
        if (isAvailable(pod)) available++;
        if (here.some(isCurrent)) updated++;
      } else if (here.length > 0) misscheduled++;
    }
    const status: Record<string, unknown> = {
      currentNumberScheduled: scheduled,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata?.generation ?? 0,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available),
    };
    if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
    const old = ds.status ?? {};
    const changed = Object.keys(status).some((k) => (old[k] ?? 0) !== status[k]);
    if (changed) {
      try {
        await this.opts.client.update(daemonSetsRef, { ...ds, status }, { subresource: "status" });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && ready > available) this.queue.addAfter(objectKey(ds), minReady * 1000);
  }
}

/**
 * The disruption controller: computes each PodDisruptionBudget's status
 * (expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed and the
 * DisruptionAllowed condition) from the pods it selects, which the eviction
 * API then consults.
 */
import type { KObject } from "../../api/types.ts";
import { labelSelectorFromObject } from "../../api/selectors/label-selector.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import {
  pdbRef,
  podsRef,
  replicaSetsRef,
  replicationControllersRef,
  statefulSetsRef,
} from "../../client/resources.ts";
import { controllerOf } from "../util/controller-ref.ts";
import { scaledValue } from "../util/int-or-percent.ts";
import { isPodReady, type Pod } from "../util/pods.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";

type PDB = KObject & {
  spec?: { selector?: unknown; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: Record<string, unknown> & {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      lastTransitionTime?: string;
      message?: string;
      observedGeneration?: number;
    }[];
  };
};

type Scalable = KObject & { spec?: { replicas?: number } };

/** The budget arithmetic, as upstream: desired healthy pods and allowed disruptions. */
export function budget(
  spec: NonNullable<PDB["spec"]>,
  expected: number,
  healthy: number,
): { desired: number; allowed: number } {
  let desired: number;
  if (spec.maxUnavailable !== undefined) {
    desired = Math.max(0, expected - (scaledValue(spec.maxUnavailable, expected, true) ?? 0));
  } else {
    desired = scaledValue(spec.minAvailable ?? 1, expected, true) ?? 1;
  }
  return { desired, allowed: Math.max(0, healthy - desired) };
}

export class DisruptionController extends QueueController {
  private readonly pdbs: SharedInformer<PDB>;
  private readonly pods: SharedInformer<Pod>;
  private readonly scalables: Record<string, SharedInformer<Scalable>>;

  constructor(private readonly opts: ControllerDeps) {
    super("disruption", opts);
    this.pdbs = this.informer<PDB>(pdbRef);
    this.pods = this.informer<Pod>(podsRef);
    this.scalables = {
      ReplicaSet: this.informer<Scalable>(replicaSetsRef),
      ReplicationController: this.informer<Scalable>(replicationControllersRef),
      StatefulSet: this.informer<Scalable>(statefulSetsRef),
    };
    const enqueue = (p: PDB) => this.queue.add(objectKey(p));
    this.pdbs.addEventHandler({ add: enqueue, update: (_, p) => enqueue(p) });
    const podChanged = (pod: Pod) => {
      for (const pdb of this.pdbs.indexer.byIndex("namespace", pod.metadata?.namespace ?? "")) {
        const sel = labelSelectorFromObject(pdb.spec?.selector as never);
        if (sel.ok && sel.selector.matches(pod.metadata?.labels ?? {}))
          this.queue.add(objectKey(pdb));
      }
    };
    this.pods.addEventHandler({
      add: podChanged,
      update: (_, p) => podChanged(p),
      delete: podChanged,
    });
  }

  /** Pods the budget expects: the controllers' replica counts when known, else the pod count. */
  private expectedPods(pdb: PDB, pods: Pod[]): number {
    const needsScale =
      pdb.spec?.maxUnavailable !== undefined || typeof pdb.spec?.minAvailable === "string";
    if (!needsScale) return pods.length;
    const counted = new Set<string>();
    let expected = 0;
    let orphans = 0;
    for (const p of pods) {
      const ref = controllerOf(p);
      const inf = ref && this.scalables[ref.kind];
      if (!ref || !inf) {
        orphans++;
        continue;
      }
      if (counted.has(ref.uid)) continue;
      counted.add(ref.uid);
      expected += inf.indexer.get(`${p.metadata?.namespace}/${ref.name}`)?.spec?.replicas ?? 0;
    }
    return expected + orphans;
  }

  async sync(key: string): Promise<void> {
    const pdb = this.pdbs.indexer.get(key);
    if (!pdb) return;
    const sel = labelSelectorFromObject(pdb.spec?.selector as never);
    const pods = sel.ok
      ? this.pods.indexer
          .byIndex("namespace", pdb.metadata?.namespace ?? "")
          .filter(
            (p) => !p.metadata?.deletionTimestamp && sel.selector.matches(p.metadata?.labels ?? {}),
          )
      : [];
    const expected = this.expectedPods(pdb, pods);
    const healthy = pods.filter(isPodReady).length;
    const { desired, allowed } = budget(pdb.spec ?? {}, expected, healthy);
    const old = pdb.status ?? {};
    const oldCond = old.conditions?.find((c) => c.type === "DisruptionAllowed");
    const condStatus = allowed > 0 ? "True" : "False";
    const now = new Date(this.opts.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const status = {
      observedGeneration: pdb.metadata?.generation ?? 0,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      disruptedPods: old.disruptedPods,
      conditions: [
        {
          type: "DisruptionAllowed",
          status: condStatus,
          reason: allowed > 0 ? "SufficientPods" : "InsufficientPods",
          message: "",
          observedGeneration: pdb.metadata?.generation ?? 0,
          lastTransitionTime: oldCond?.status === condStatus ? oldCond.lastTransitionTime : now,
        },
      ],
    };
    if (JSON.stringify(status) === JSON.stringify({ ...old, disruptedPods: old.disruptedPods }))
      return;
    try {
      await this.opts.client.update(pdbRef, { ...pdb, status }, { subresource: "status" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

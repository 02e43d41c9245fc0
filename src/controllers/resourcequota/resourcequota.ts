/**
 * The ResourceQuota controller, as upstream's: keeps every quota's
 * status.hard equal to spec.hard and recalculates status.used from scratch
 * (never by increments) when the quota's spec changes, when an object it
 * counts is deleted or changes its usage, and on a full resync every
 * --resource-quota-sync-period (5 min).
 * Informers for the counted resources start on demand, so a quota on
 * count/deployments.apps watches deployments only once it exists.
 * Status writes carry the cached resourceVersion: a conflict with admission
 * charging the same quota is retried from fresh state.
 */
import type { KObject } from "../../api/types.ts";
import { usageOf, type QuotaTarget } from "../../apiserver/admission/builtin/quota/usage.ts";
import { toJSONList } from "../../apiserver/admission/builtin/resource-list.ts";
import { isConflict, isNotFound } from "../../client/api-error.ts";
import { discoverResources } from "../../client/discovery.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { resourceQuotasRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { canonicalJSON } from "../util/hash.ts";
import { computeQuotaStatus, targetsFor, type QuotaStatus } from "./quota-status.ts";
import type { ControllerDeps } from "../queue-controller.ts";

/** Upstream's --resource-quota-sync-period default. */
export const RESOURCE_QUOTA_SYNC_PERIOD_MS = 5 * 60 * 1000;

export interface ResourceQuotaControllerOptions extends ControllerDeps {
  recorder?: EventRecorder;
  resyncPeriodMs?: number;
  /** Resolves a target to where it is served (default: API discovery). */
  resolve?(t: QuotaTarget): Promise<ResourceRef | undefined>;
}

const targetKey = (t: QuotaTarget) => `${t.resource}.${t.group}`;

export class ResourceQuotaController {
  readonly queue: WorkQueue;
  private readonly quotas: SharedInformer;
  private readonly monitors = new Map<string, SharedInformer>();
  private discovered?: Promise<Map<string, ResourceRef>>;
  /** run()'s signal: a monitor's cache sync waits no longer than it. */
  private stopping?: AbortSignal;

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: "resourcequota_primary",
      metrics: opts.queueMetrics,
    });
    this.quotas = opts.informers.informerFor(resourceQuotasRef);
    const enqueue = (q: KObject) => this.queue.add(objectKey(q));
    // Status updates (admission's charges, this controller's writes) are not
    // a reason to recalculate: that would race admission, whose charged object
    // may not be in the caches yet. Spec changes are.
    this.quotas.addEventHandler({
      add: enqueue,
      update: (old, q) => {
        const hard = (o: KObject) => canonicalJSON((o.spec as { hard?: object })?.hard ?? {});
        const statusHard = canonicalJSON((q.status as { hard?: object } | undefined)?.hard ?? {});
        if (hard(old) !== hard(q) || statusHard !== hard(q)) enqueue(q);
      },
    });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    this.stopping = signal;
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await this.quotas.waitForSync(signal))) return;
    await runWorkers(this.queue, workers, (key) => this.syncHandler(key));
  }

  private async resolve(t: QuotaTarget): Promise<ResourceRef | undefined> {
    if (this.opts.resolve) return this.opts.resolve(t);
    this.discovered ??= discoverResources(this.opts.client).then(
      (all) =>
        new Map(
          all.map((r) => [targetKey({ group: r.ref.group, resource: r.ref.resource }), r.ref]),
        ),
    );
    try {
      return (await this.discovered).get(targetKey(t));
    } catch (err) {
      this.discovered = undefined;
      throw err;
    }
  }

  /** The informer counting `t`, started and synced; undefined when `t` is not served. */
  private async monitor(t: QuotaTarget): Promise<SharedInformer | undefined> {
    const key = targetKey(t);
    let inf = this.monitors.get(key);
    if (!inf) {
      const ref = await this.resolve(t);
      if (!ref || !ref.namespaced) return undefined;
      inf = this.monitors.get(key);
      if (!inf) {
        inf = this.opts.informers.informerFor(ref);
        this.monitors.set(key, inf);
        // Replenishment, as upstream: deletions and updates that change an
        // object's usage (a pod finishing, a service changing type) recalculate
        // the quotas of its namespace; creations were charged by admission.
        const changed = (obj: KObject) => this.enqueueNamespace(obj.metadata?.namespace ?? "", t);
        inf.addEventHandler({
          update: (old, obj) => {
            const now = this.opts.clock.now();
            const before = toJSONList(usageOf(t, old, now));
            const after = toJSONList(usageOf(t, obj, now));
            if (canonicalJSON(before) !== canonicalJSON(after)) changed(obj);
          },
          delete: changed,
        });
      }
    }
    // Stopped first: no status from an empty cache (the throw ends the sync).
    if (!(await inf.waitForSync(this.stopping))) throw new Error(`stopped before ${key} synced`);
    return inf;
  }

  private enqueueNamespace(namespace: string, t: QuotaTarget): void {
    for (const q of this.quotas.indexer.byIndex("namespace", namespace)) {
      const hard = Object.keys((q.spec as { hard?: object } | undefined)?.hard ?? {});
      const counts = hard.some((n) =>
        targetsFor(n).some((x) => x.group === t.group && x.resource === t.resource),
      );
      if (counts) this.queue.add(objectKey(q));
    }
  }

  /** Recalculates one quota by key. Idempotent. */
  async syncHandler(key: string): Promise<void> {
    const quota = this.quotas.indexer.get(key);
    if (!quota) return;
    const namespace = quota.metadata?.namespace ?? "";
    const hardNames = Object.keys((quota.spec as { hard?: object } | undefined)?.hard ?? {});
    const objects = new Map<string, KObject[]>();
    for (const name of hardNames) {
      for (const t of targetsFor(name)) {
        if (objects.has(targetKey(t))) continue;
        const inf = await this.monitor(t);
        objects.set(targetKey(t), inf ? inf.indexer.byIndex("namespace", namespace) : []);
      }
    }
    const status = computeQuotaStatus(
      quota,
      (t) => objects.get(targetKey(t)) ?? [],
      this.opts.clock.now(),
    );
    await this.writeStatus(quota, status);
    this.queue.addAfter(key, this.opts.resyncPeriodMs ?? RESOURCE_QUOTA_SYNC_PERIOD_MS);
  }

  private async writeStatus(quota: KObject, status: QuotaStatus): Promise<void> {
    const old = (quota.status ?? {}) as Partial<QuotaStatus>;
    if (
      canonicalJSON(old.hard ?? {}) === canonicalJSON(status.hard) &&
      canonicalJSON(old.used ?? {}) === canonicalJSON(status.used)
    )
      return;
    try {
      await this.opts.client.update(
        resourceQuotasRef,
        { ...quota, status },
        { subresource: "status" },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        // Admission charged it meanwhile: recalculate from the newer object.
        this.queue.addAfter(objectKey(quota), 100);
        return;
      }
      throw err;
    }
  }
}

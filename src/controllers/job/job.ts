/**
 * The Job controller: runs pods until enough succeed, counting finished pods
 * exactly once through the batch.kubernetes.io/job-tracking finalizer and
 * status.uncountedTerminatedPods (as upstream), and applying parallelism,
 * completions (NonIndexed and Indexed), backoffLimit, activeDeadlineSeconds,
 * suspend, podFailurePolicy and successPolicy (job-policies.ts), and
 * backoffLimitPerIndex / maxFailedIndexes / FailIndex (index-failures.ts).
 */
import type { KObject } from "../../api/types.ts";
import { labelSelectorFromObject } from "../../api/selectors/label-selector.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { jobsRef, podsRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import { controllerOf, enqueueControllerOf } from "../util/controller-ref.ts";
import { backoffDelay, lastFailedPodPerIndex, remainingIndexBackoff } from "./pod-backoff.ts";
import {
  addControllerUIDIndex,
  CONTROLLER_UID_INDEX,
  ownedAndOrphans,
} from "../util/controller-uid-index.ts";
import {
  ORPHAN_POD_PREFIX,
  orphanedWithFinalizer,
  orphanPodKey,
  syncOrphanPod,
} from "./job-orphans.ts";
import { isPodReady, type Pod } from "../util/pods.ts";
import {
  formatIndexes,
  isComplete,
  isJobFinished,
  parseIndexes,
  setJobCondition,
  wantActive,
  type Job,
} from "./job-status.ts";
import {
  matchPodFailurePolicy,
  matchSuccessPolicy,
  type PodFailurePolicyRule,
  type SuccessPolicyRule,
} from "./job-policies.ts";
import {
  failedIndexesOutcome,
  indexFailureCounts,
  isIndexFailed,
  podIndex,
  type IndexFailureCounts,
} from "./index-failures.ts";
import { newJobPod, trackingFinalizer } from "./job-pod.ts";

export { trackingFinalizer };

/** The policy fields of a Job's spec (beside job-status.ts's Job type). */
const policiesOf = (job: Job) =>
  job.spec as
    | {
        podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
        successPolicy?: { rules?: SuccessPolicyRule[] };
        backoffLimitPerIndex?: number | null;
        maxFailedIndexes?: number | null;
      }
    | undefined;

/** backoffLimitPerIndex of an Indexed Job, undefined otherwise. */
const perIndexLimit = (job: Job): number | undefined => {
  const v = policiesOf(job)?.backoffLimitPerIndex;
  return job.spec?.completionMode === "Indexed" && typeof v === "number" ? v : undefined;
};
const rulesOf = (job: Job) => policiesOf(job)?.podFailurePolicy?.rules;

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const terminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export class JobController extends QueueController {
  private readonly jobs: SharedInformer<Job>;
  private readonly pods: SharedInformer<Pod>;
  private lastFailure = new Map<string, { at: number; count: number }>();

  constructor(
    private readonly opts: ControllerDeps & {
      recorder: EventRecorder;
    },
  ) {
    super("job", opts);
    this.jobs = this.informer<Job>(jobsRef);
    this.pods = this.informer<Pod>(podsRef);
    addControllerUIDIndex(this.pods.indexer);
    const enqueue = (j: Job) => this.queue.add(objectKey(j));
    this.jobs.addEventHandler({
      add: enqueue,
      update: (_, j) => enqueue(j),
      delete: (j) => {
        enqueue(j);
        // Its pods' tracking finalizers are nobody's now (upstream cleanupPodFinalizers).
        for (const p of this.pods.indexer.byIndex(CONTROLLER_UID_INDEX, j.metadata?.uid ?? ""))
          if (p.metadata?.finalizers?.includes(trackingFinalizer)) this.queue.add(orphanPodKey(p));
      },
    });
    this.pods.addEventHandler(enqueueControllerOf<Pod>(this.queue, "Job"));
    const orphan = (p: Pod) => {
      if (orphanedWithFinalizer(p, this.jobs.indexer)) this.queue.add(orphanPodKey(p));
    };
    this.pods.addEventHandler({ add: orphan, update: (_, p) => orphan(p) });
  }

  private ownedPods(job: Job): Pod[] {
    const uid = job.metadata?.uid;
    const sel = labelSelectorFromObject(job.spec?.selector as never);
    return ownedAndOrphans(this.pods.indexer, job.metadata?.namespace ?? "", uid ?? "").filter(
      (p) => {
        const ref = controllerOf(p);
        return ref?.uid === uid && (!sel.ok || sel.selector.matches(p.metadata?.labels ?? {}));
      },
    );
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) {
      const podKey = key.slice(ORPHAN_POD_PREFIX.length);
      return syncOrphanPod(podKey, this.pods.indexer, this.jobs.indexer, this.opts.client);
    }
    let job = this.jobs.indexer.get(key);
    if (!job) {
      this.lastFailure.delete(key);
      return;
    }
    const pods = this.ownedPods(job);
    job = await this.trackTerminatedPods(job, pods);
    if (!job) return;
    const now = this.opts.clock.now();
    const status = structuredClone(job.status ?? {});
    const active = pods.filter((p) => !terminal(p) && !p.metadata?.deletionTimestamp);
    const succeeded = status.succeeded ?? 0;
    const failed = status.failed ?? 0;
    let conditions = status.conditions ?? [];

    if (isJobFinished(job)) {
      await this.deletePods(active);
      return;
    }
    let failure: { reason: string; message: string } | undefined;
    // As upstream: an earlier FailureTarget stands; a FailJob rule comes before backoffLimit.
    const target = conditions.find((c) => c.type === "FailureTarget" && c.status === "True");
    const failJob = pods
      .filter((p) => p.status?.phase === "Failed")
      .map((p) => matchPodFailurePolicy(policiesOf(job)?.podFailurePolicy?.rules, p))
      .find((m) => m?.action === "FailJob");
    if (target) {
      failure = { reason: target.reason ?? "", message: target.message ?? "" };
    } else if (failJob) {
      failure = { reason: "PodFailurePolicy", message: failJob.message };
    } else if (failed > (job.spec?.backoffLimit ?? 6)) {
      failure = {
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      };
    } else if (
      perIndexLimit(job) !== undefined &&
      (failure = failedIndexesOutcome({
        failed: parseIndexes(status.failedIndexes ?? undefined),
        completed: parseIndexes(status.completedIndexes),
        completions: job.spec?.completions ?? 1,
        maxFailedIndexes: policiesOf(job)?.maxFailedIndexes ?? undefined,
      }))
    ) {
      // failure set above
    } else if (
      job.spec?.activeDeadlineSeconds !== undefined &&
      status.startTime &&
      Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000 <= now
    ) {
      failure = {
        reason: "DeadlineExceeded",
        message: "Job was active longer than specified deadline",
      };
    }
    const successRule =
      job.spec?.completionMode === "Indexed"
        ? matchSuccessPolicy(policiesOf(job)?.successPolicy?.rules, status.completedIndexes)
        : undefined;
    const completion =
      successRule !== undefined
        ? { reason: "SuccessPolicy", message: `Matched rules at index ${successRule}` }
        : { reason: "CompletionsReached", message: "Reached expected number of succeeded pods" };
    const complete =
      successRule !== undefined ||
      (job.spec?.completionMode === "Indexed"
        ? parseIndexes(status.completedIndexes).length >= (job.spec?.completions ?? 1)
        : isComplete(job, succeeded));

    if (failure) {
      await this.deletePods(active);
      conditions = setJobCondition(
        conditions,
        { type: "FailureTarget", status: "True", ...failure },
        stamp(now),
      );
      conditions = setJobCondition(
        conditions,
        { type: "Failed", status: "True", ...failure },
        stamp(now),
      );
      this.opts.recorder.event(job, "Warning", failure.reason, failure.message);
    } else if (complete) {
      conditions = setJobCondition(
        conditions,
        { type: "SuccessCriteriaMet", status: "True", ...completion },
        stamp(now),
      );
      conditions = setJobCondition(
        conditions,
        { type: "Complete", status: "True", ...completion },
        stamp(now),
      );
      status.completionTime = stamp(now);
      this.opts.recorder.event(job, "Normal", "Completed", "Job completed");
      await this.deletePods(active);
    } else if (job.spec?.suspend) {
      await this.deletePods(active);
      if (!conditions.some((c) => c.type === "Suspended" && c.status === "True")) {
        conditions = setJobCondition(
          conditions,
          { type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" },
          stamp(now),
        );
        this.opts.recorder.event(job, "Normal", "Suspended", "Job suspended");
      }
    } else {
      if (conditions.some((c) => c.type === "Suspended" && c.status === "True")) {
        conditions = setJobCondition(
          conditions,
          { type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed" },
          stamp(now),
        );
        status.startTime = stamp(now);
      }
      status.startTime ??= stamp(now);
      if (perIndexLimit(job) !== undefined) status.failedIndexes ??= "";
      await this.managePods(key, job, active, pods, succeeded, status);
      if (job.spec?.activeDeadlineSeconds !== undefined) {
        const left = Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000 - now;
        this.queue.addAfter(key, Math.max(left, 0) + 1);
      }
    }
    const fresh = this.ownedPods(job).filter((p) => !terminal(p));
    status.active = fresh.filter((p) => !p.metadata?.deletionTimestamp).length;
    status.ready = fresh.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p)).length;
    status.terminating = fresh.filter((p) => p.metadata?.deletionTimestamp).length;
    if (conditions.length) status.conditions = conditions;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {}))
      await this.writeStatus(job, status);
  }

  /**
   * Counts pods that finished since the last sync exactly once: record their
   * uids in uncountedTerminatedPods, remove their tracking finalizers, then
   * move them into succeeded/failed. Returns the job as last written.
   */
  private async trackTerminatedPods(job: Job, pods: Pod[]): Promise<Job | undefined> {
    const status = structuredClone(job.status ?? {});
    const uncounted = {
      succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])],
      failed: [...(status.uncountedTerminatedPods?.failed ?? [])],
    };
    const known = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const completed = new Set(parseIndexes(status.completedIndexes));
    const failedIndexes = new Set(parseIndexes(status.failedIndexes ?? undefined));
    const limit = perIndexLimit(job);
    /** Failed pods an Ignore rule keeps out of status.failed: only their finalizer goes. */
    const ignored: string[] = [];
    let added = false;
    for (const p of pods) {
      const uid = p.metadata?.uid ?? "";
      if (!p.metadata?.finalizers?.includes(trackingFinalizer) || known.has(uid)) continue;
      const gone = terminal(p) || !!p.metadata?.deletionTimestamp;
      if (!gone) continue;
      if (p.status?.phase === "Succeeded") {
        uncounted.succeeded.push(uid);
        const idx = podIndex(p);
        if (idx !== undefined) completed.add(idx);
      } else if (matchPodFailurePolicy(rulesOf(job), p)?.action === "Ignore") {
        ignored.push(uid);
        continue;
      } else {
        uncounted.failed.push(uid);
        const idx = podIndex(p);
        if (limit !== undefined && idx !== undefined) {
          if (isIndexFailed(p, limit, rulesOf(job))) failedIndexes.add(idx);
        }
      }
      added = true;
    }
    if (added) {
      status.uncountedTerminatedPods = uncounted;
      if (job.spec?.completionMode === "Indexed")
        status.completedIndexes = formatIndexes([...completed]);
      if (limit !== undefined) status.failedIndexes = formatIndexes([...failedIndexes]);
      const written = await this.writeStatus(job, status);
      if (!written) return undefined;
      job = written;
    }
    if (uncounted.succeeded.length + uncounted.failed.length + ignored.length === 0) return job;
    const pending = new Set([...uncounted.succeeded, ...uncounted.failed, ...ignored]);
    for (const p of pods) {
      if (!pending.has(p.metadata?.uid ?? "")) continue;
      const fins = p.metadata?.finalizers ?? [];
      if (!fins.includes(trackingFinalizer)) continue;
      try {
        await this.opts.client.patch(
          podsRef,
          p.metadata?.namespace,
          p.metadata?.name ?? "",
          "merge",
          {
            metadata: {
              finalizers: fins.filter((f) => f !== trackingFinalizer),
              resourceVersion: p.metadata?.resourceVersion,
            },
          },
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (uncounted.succeeded.length + uncounted.failed.length === 0) return job;
    const next = structuredClone(job.status ?? {});
    next.succeeded = (next.succeeded ?? 0) + uncounted.succeeded.length;
    next.failed = (next.failed ?? 0) + uncounted.failed.length;
    next.uncountedTerminatedPods = {};
    if (uncounted.failed.length && limit === undefined) {
      const key = objectKey(job);
      const prev = this.lastFailure.get(key);
      this.lastFailure.set(key, {
        at: this.opts.clock.now(),
        count: (prev?.count ?? 0) + uncounted.failed.length,
      });
    }
    return this.writeStatus(job, next);
  }

  private async managePods(
    key: string,
    job: Job,
    active: Pod[],
    pods: Pod[],
    succeeded: number,
    status: NonNullable<Job["status"]>,
  ): Promise<void> {
    const now = this.opts.clock.now();
    const limit = perIndexLimit(job);
    const backoff = limit === undefined ? this.lastFailure.get(key) : undefined;
    if (backoff) {
      const wait = backoff.at + backoffDelay(backoff.count) - now;
      if (wait > 0) {
        this.queue.addAfter(key, wait);
        return;
      }
    }
    const namespace = job.metadata?.namespace ?? "";
    if (job.spec?.completionMode === "Indexed") {
      const completions = job.spec.completions ?? 1;
      const taken = new Set([
        ...parseIndexes(status.completedIndexes),
        ...parseIndexes(status.failedIndexes ?? undefined),
        ...active.map(podIndex).filter((i): i is number => i !== undefined),
      ]);
      // With backoffLimitPerIndex each index backs off on its own failures,
      // read from its last failed pod (count and finish time), as upstream.
      const counts = limit === undefined ? undefined : indexFailureCounts(pods, rulesOf(job));
      const lastFailed =
        limit === undefined ? undefined : lastFailedPodPerIndex(pods, rulesOf(job));
      let soonest = Infinity;
      const due = (i: number) => {
        const wait = remainingIndexBackoff(lastFailed?.get(i), now);
        if (wait > 0) soonest = Math.min(soonest, wait);
        return wait <= 0;
      };
      const room = Math.max(0, (job.spec.parallelism ?? 1) - active.length);
      const todo = Array.from({ length: completions }, (_, i) => i)
        .filter((i) => !taken.has(i) && due(i))
        .slice(0, room);
      if (soonest < Infinity) this.queue.addAfter(key, soonest);
      await Promise.all(
        todo.map((i) =>
          this.createPod(job, namespace, i, counts && (counts.get(i) ?? { failed: 0, ignored: 0 })),
        ),
      );
      return;
    }
    const diff = wantActive(job, succeeded) - active.length;
    if (diff > 0)
      await Promise.all(Array.from({ length: diff }, () => this.createPod(job, namespace)));
    else if (diff < 0) await this.deletePods(active.slice(0, -diff));
  }

  private async createPod(
    job: Job,
    namespace: string,
    index?: number,
    counts?: IndexFailureCounts,
  ): Promise<void> {
    try {
      const created = await this.opts.client.create<Pod>(
        podsRef,
        namespace,
        newJobPod(job, index, counts),
      );
      this.opts.recorder.event(
        job,
        "Normal",
        "SuccessfulCreate",
        `Created pod: ${created.metadata?.name}`,
      );
    } catch (err) {
      this.opts.recorder.event(
        job,
        "Warning",
        "FailedCreate",
        `Error creating: ${(err as Error).message}`,
      );
      throw err;
    }
  }

  private async deletePods(pods: Pod[]): Promise<void> {
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.opts.client.delete(podsRef, p.metadata?.namespace, p.metadata?.name ?? "");
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
    );
  }

  private async writeStatus(job: Job, status: Job["status"]): Promise<Job | undefined> {
    try {
      return await this.opts.client.update<Job>(jobsRef, { ...job, status } as Job & KObject, {
        subresource: "status",
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The CronJob controller: creates a Job for each due schedule time
 * (honouring concurrencyPolicy, startingDeadlineSeconds and suspend), keeps
 * status.active / lastScheduleTime / lastSuccessfulTime, trims finished Jobs
 * beyond the history limits, and wakes itself at the next schedule time.
 */
import type { KObject, OwnerReference } from "../../api/types.ts";
import { isAlreadyExists, isNotFound } from "../../client/api-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import { cronJobsRef, jobsRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import { controllerOf, enqueueControllerOf, newControllerRef } from "../util/controller-ref.ts";
import type { Job } from "../job/job-status.ts";
import { mostRecentScheduleTime, parseSchedule } from "./schedule.ts";

type CronJob = KObject & {
  spec?: {
    schedule?: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: Record<string, unknown>;
    };
  };
  status?: {
    active?: {
      apiVersion?: string;
      kind?: string;
      name?: string;
      namespace?: string;
      uid?: string;
      resourceVersion?: string;
    }[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
};

const scheduledAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function finished(job: Job): "Complete" | "Failed" | undefined {
  const c = (job.status?.conditions ?? []).find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );
  return c?.type as "Complete" | "Failed" | undefined;
}

export class CronJobController extends QueueController {
  private readonly cronJobs: SharedInformer<CronJob>;
  private readonly jobs: SharedInformer<Job>;

  constructor(
    private readonly opts: ControllerDeps & {
      recorder: EventRecorder;
    },
  ) {
    super("cronjob", opts);
    this.cronJobs = this.informer<CronJob>(cronJobsRef);
    this.jobs = this.informer<Job>(jobsRef);
    const enqueue = (c: CronJob) => this.queue.add(objectKey(c));
    this.cronJobs.addEventHandler({ add: enqueue, update: (_, c) => enqueue(c) });
    this.jobs.addEventHandler(enqueueControllerOf<Job>(this.queue, "CronJob"));
  }

  async sync(key: string): Promise<void> {
    const cj = this.cronJobs.indexer.get(key);
    if (!cj || cj.metadata?.deletionTimestamp) return;
    const now = this.opts.clock.now();
    const uid = cj.metadata?.uid;
    const children = this.jobs.indexer
      .byIndex("namespace", cj.metadata?.namespace ?? "")
      .filter((j) => controllerOf(j)?.uid === uid);
    const status = structuredClone(cj.status ?? {});
    const running = children.filter((j) => !finished(j));
    for (const j of children) {
      if (finished(j) === "Complete" && j.status?.completionTime) {
        if (
          !status.lastSuccessfulTime ||
          Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime)
        ) {
          status.lastSuccessfulTime = j.status.completionTime;
        }
      }
    }
    let schedule;
    try {
      schedule = parseSchedule(cj.spec?.schedule ?? "", cj.spec?.timeZone);
    } catch (err) {
      this.opts.recorder.event(cj, "Warning", "UnparseableSchedule", (err as Error).message);
      return;
    }
    if (!cj.spec?.suspend) {
      const earliest =
        Date.parse(status.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? "") || now;
      const deadline = cj.spec?.startingDeadlineSeconds;
      const from = deadline !== undefined ? Math.max(earliest, now - deadline * 1000) : earliest;
      const { time, missed } = mostRecentScheduleTime(schedule, from, now);
      if (missed > 100) {
        this.opts.recorder.event(
          cj,
          "Warning",
          "TooManyMissedTimes",
          "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
        );
      }
      if (time !== undefined) {
        const policy = cj.spec?.concurrencyPolicy ?? "Allow";
        if (policy === "Forbid" && running.length > 0) {
          this.opts.recorder.event(
            cj,
            "Normal",
            "JobAlreadyActive",
            "Not starting job because prior execution is running and concurrency policy is Forbid",
          );
        } else {
          if (policy === "Replace") {
            for (const j of running) await this.deleteJob(cj, j);
          }
          const created = await this.createJob(cj, time);
          if (created) running.push(created);
          status.lastScheduleTime = stamp(time);
        }
      }
      const next = schedule.next(now);
      if (next !== undefined) this.queue.addAfter(key, next - now + 100);
    }
    status.active = running.length
      ? running.map((j) => ({
          apiVersion: "batch/v1",
          kind: "Job",
          name: j.metadata?.name,
          namespace: j.metadata?.namespace,
          uid: j.metadata?.uid,
          resourceVersion: j.metadata?.resourceVersion,
        }))
      : undefined;
    await this.trimHistory(cj, children);
    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) {
      try {
        await this.opts.client.update(cronJobsRef, { ...cj, status }, { subresource: "status" });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async createJob(cj: CronJob, scheduled: number): Promise<Job | undefined> {
    const name = `${cj.metadata?.name}-${Math.floor(scheduled / 60000)}`;
    const tpl = cj.spec?.jobTemplate ?? {};
    const ref: OwnerReference = newControllerRef(cj, "batch/v1", "CronJob");
    const job: Job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: cj.metadata?.namespace,
        labels: { ...(tpl.metadata?.labels ?? {}) },
        annotations: {
          ...(tpl.metadata?.annotations ?? {}),
          [scheduledAnnotation]: new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, "Z"),
        },
        ownerReferences: [ref],
      },
      spec: structuredClone(tpl.spec ?? {}) as Job["spec"],
    };
    try {
      const created = await this.opts.client.create<Job>(jobsRef, cj.metadata?.namespace, job);
      this.opts.recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${name}`);
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      this.opts.recorder.event(
        cj,
        "Warning",
        "FailedCreate",
        `Error creating job: ${(err as Error).message}`,
      );
      throw err;
    }
  }

  private async deleteJob(cj: CronJob, job: Job): Promise<void> {
    try {
      await this.opts.client.delete(jobsRef, job.metadata?.namespace, job.metadata?.name ?? "", {
        propagationPolicy: "Background",
      });
      this.opts.recorder.event(
        cj,
        "Normal",
        "SuccessfulDelete",
        `Deleted job ${job.metadata?.name}`,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async trimHistory(cj: CronJob, children: Job[]): Promise<void> {
    const byStart = (a: Job, b: Job) =>
      Date.parse(a.status?.startTime ?? a.metadata?.creationTimestamp ?? "") -
      Date.parse(b.status?.startTime ?? b.metadata?.creationTimestamp ?? "");
    const limits: ["Complete" | "Failed", number][] = [
      ["Complete", cj.spec?.successfulJobsHistoryLimit ?? 3],
      ["Failed", cj.spec?.failedJobsHistoryLimit ?? 1],
    ];
    for (const [state, limit] of limits) {
      const done = children
        .filter((j) => finished(j) === state && !j.metadata?.deletionTimestamp)
        .sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await this.deleteJob(cj, j);
    }
  }
}

/**
 * Deletes finished Jobs ttlSecondsAfterFinished after they finished
 * (foreground, so their pods go first), waking at the expiry time.
 */
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey, splitKey } from "../../client/informer/store.ts";
import { jobsRef } from "../../client/resources.ts";
import type { Job } from "../job/job-status.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";

/** When the job finished (ms), if it has. */
export function finishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? "");
  return Number.isNaN(t) ? undefined : t;
}

export class TTLAfterFinishedController extends QueueController {
  private readonly jobs: SharedInformer<Job>;

  constructor(private readonly opts: ControllerDeps) {
    super("ttl_jobs_to_delete", opts);
    this.jobs = this.informer<Job>(jobsRef);
    const enqueue = (j: Job) => {
      if (j.spec?.ttlSecondsAfterFinished !== undefined && finishTime(j) !== undefined)
        this.queue.add(objectKey(j));
    };
    this.jobs.addEventHandler({ add: enqueue, update: (_, j) => enqueue(j) });
  }

  async sync(key: string): Promise<void> {
    const job = this.jobs.indexer.get(key);
    const finished = job && finishTime(job);
    const ttl = job?.spec?.ttlSecondsAfterFinished;
    if (!job || finished === undefined || ttl === undefined || job.metadata?.deletionTimestamp)
      return;
    const left = finished + ttl * 1000 - this.opts.clock.now();
    if (left > 0) {
      this.queue.addAfter(key, left);
      return;
    }
    const { namespace, name } = splitKey(key);
    try {
      await this.opts.client.request(
        "DELETE",
        `/apis/batch/v1/namespaces/${namespace}/jobs/${name}`,
        {
          body: {
            kind: "DeleteOptions",
            apiVersion: "v1",
            propagationPolicy: "Foreground",
            preconditions: { uid: job.metadata?.uid },
          },
        },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

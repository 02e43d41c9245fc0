/**
 * Deletes finished Jobs ttlSecondsAfterFinished after they finished
 * (foreground, so their pods go first), waking at the expiry time.
 */
import { isNotFound } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey, splitKey } from "../../client/informer/store.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { jobsRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import type { WorkQueueMetricsProvider } from "../../client/workqueue/metrics.ts";
import type { Job } from "../job/job-status.ts";

/** When the job finished (ms), if it has. */
export function finishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find(
    (x) => (x.type === "Complete" || x.type === "Failed") && x.status === "True",
  );
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? "");
  return Number.isNaN(t) ? undefined : t;
}

export class TTLAfterFinishedController {
  private readonly queue: WorkQueue;
  private readonly jobs: SharedInformer<Job>;

  constructor(
    private readonly opts: {
      client: RestClient;
      informers: InformerFactory;
      clock: Clock;
      queueMetrics?: WorkQueueMetricsProvider;
    },
  ) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: "ttl_jobs_to_delete",
      metrics: opts.queueMetrics,
    });
    this.jobs = opts.informers.informerFor<Job>(jobsRef);
    const enqueue = (j: Job) => {
      if (j.spec?.ttlSecondsAfterFinished !== undefined && finishTime(j) !== undefined)
        this.queue.add(objectKey(j));
    };
    this.jobs.addEventHandler({ add: enqueue, update: (_, j) => enqueue(j) });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    await this.jobs.waitForSync();
    await runWorkers(this.queue, workers, (key) => this.sync(key));
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

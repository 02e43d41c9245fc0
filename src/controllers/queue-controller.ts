/**
 * The shape most controllers share (STYLE: client-go's informer + work
 * queue): one named, rate-limited work queue that informer handlers feed
 * with keys, the informers whose caches must be synced before any worker
 * starts, and run(), which waits for those caches and then runs workers that
 * call sync(key) until the signal aborts.
 */
import type { KObject } from "../api/types.ts";
import type { Clock } from "../client/clock.ts";
import type { InformerFactory } from "../client/informer/informer-factory.ts";
import type { InformerOptions, SharedInformer } from "../client/informer/shared-informer.ts";
import type { ResourceRef, RestClient } from "../client/rest-client.ts";
import type { WorkQueueMetricsProvider } from "../client/workqueue/metrics.ts";
import { WorkQueue, runWorkers } from "../client/workqueue/queue.ts";
import { waitForCacheSync } from "../client/informer/shared-informer.ts";

/** What every queue-driven controller is built from. */
export interface ControllerDeps {
  client: RestClient;
  informers: InformerFactory;
  clock: Clock;
  /** Work queue metrics (workqueue_* with name=<queue>). */
  queueMetrics?: WorkQueueMetricsProvider;
}

export abstract class QueueController {
  /** Keys waiting for sync; handlers add to it, never sync themselves. */
  readonly queue: WorkQueue;
  private readonly caches: SharedInformer<KObject>[] = [];

  /** `name` is upstream's queue name (it labels the workqueue metrics). */
  protected constructor(
    name: string,
    private readonly deps: Pick<ControllerDeps, "informers" | "clock" | "queueMetrics">,
  ) {
    this.queue = new WorkQueue({ clock: deps.clock, name, metrics: deps.queueMetrics });
  }

  /** The shared informer for ref; run() waits for its cache before starting workers. */
  protected informer<T extends KObject = KObject>(
    ref: ResourceRef,
    opts?: Omit<InformerOptions, "clock">,
  ): SharedInformer<T> {
    const informer = this.deps.informers.informerFor<T>(ref, opts);
    this.caches.push(informer as unknown as SharedInformer<KObject>);
    return informer;
  }

  /**
   * Reconciles one key from the caches. Must be idempotent; a throw retries
   * the key with backoff, a return forgets its backoff.
   */
  abstract sync(key: string): Promise<void>;

  /** Runs until signal aborts: waits for the caches, then `workers` workers. */
  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await waitForCacheSync(signal, this.caches))) return;
    await runWorkers(this.queue, workers, (key) => this.sync(key));
  }
}

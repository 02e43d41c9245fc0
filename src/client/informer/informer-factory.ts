/**
 * One shared informer per resource (and namespace/selector) per process.
 * Components ask the factory for informers, register handlers, then start
 * the factory and wait for every cache to sync before starting workers.
 */
import type { KObject } from "../../api/types.ts";
import type { Clock } from "../clock.ts";
import type { ResourceRef, RestClient } from "../rest-client.ts";
import { SharedInformer, type InformerOptions } from "./shared-informer.ts";

export class InformerFactory {
  private informers = new Map<string, SharedInformer<KObject>>();
  private started = false;

  constructor(
    private readonly client: RestClient,
    private readonly defaults: {
      clock?: Clock;
      resyncMs?: number;
      onError?(err: unknown): void;
    } = {},
  ) {}

  informerFor<T extends KObject = KObject>(
    ref: ResourceRef,
    opts: Omit<InformerOptions, "clock"> = {},
  ): SharedInformer<T> {
    const key = [
      ref.group,
      ref.version,
      ref.resource,
      opts.namespace ?? "",
      opts.labelSelector ?? "",
      opts.fieldSelector ?? "",
    ].join("|");
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedInformer<KObject>(this.client, ref, {
        resyncMs: this.defaults.resyncMs,
        onError: this.defaults.onError,
        ...opts,
        clock: this.defaults.clock,
      });
      this.informers.set(key, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer created so far and any created later. */
  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** True once every informer made so far synced; false if signal aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const synced = await Promise.all(
      [...this.informers.values()].map((i) => i.waitForSync(signal)),
    );
    return synced.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}

/**
 * The pod garbage collector: force-deletes pods bound to nodes that no longer
 * exist, terminating pods that were never scheduled, and the oldest finished
 * pods beyond terminatedPodGCThreshold (12500), as upstream. A node must be
 * missing for the quarantine time (40 s, upstream's quarantineTime) and then
 * confirmed missing by a live read before its pods go: a pod bound by
 * nodeName before its kubelet registers the Node is not lost.
 */
import { isNotFound } from "../../client/api-error.ts";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { nodesRef, podsRef } from "../../client/resources.ts";
import type { Pod } from "../util/pods.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";

/** Upstream's gcCheckPeriod. */
const checkPeriodMs = 20_000;
/** Upstream's quarantineTime. */
const quarantineMs = 40_000;

export class PodGCController {
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer;
  private timer?: TimerHandle;
  /** Nodes pods are bound to that were missing from the cache, and since when. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly opts: {
      client: RestClient;
      informers: InformerFactory;
      clock: Clock;
      terminatedPodThreshold?: number;
      checkPeriodMs?: number;
      quarantineMs?: number;
    },
  ) {
    this.pods = opts.informers.informerFor<Pod>(podsRef);
    this.nodes = opts.informers.informerFor(nodesRef);
    // A deleted node is a reason to look right away.
    this.nodes.addEventHandler({ delete: () => void this.gc().catch(() => {}) });
  }

  async run(_workers: number, signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, [this.pods, this.nodes]))) return;
    await new Promise<void>((resolve) => {
      const loop = () => {
        void this.gc()
          .catch(() => {})
          .finally(() => {
            if (!signal.aborted)
              this.timer = this.opts.clock.after(this.opts.checkPeriodMs ?? checkPeriodMs, loop);
          });
      };
      signal.addEventListener("abort", () => (this.timer?.cancel(), resolve()), { once: true });
      loop();
    });
  }

  private async forceDelete(pod: Pod): Promise<void> {
    try {
      await this.opts.client.delete(podsRef, pod.metadata?.namespace, pod.metadata?.name ?? "", {
        gracePeriodSeconds: 0,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async gc(): Promise<void> {
    // One pass over the cache sorts out every candidate (10,000s of pods, every 20 s).
    const bound: Pod[] = [];
    const unscheduledTerminating: Pod[] = [];
    const finished: Pod[] = [];
    const missing = new Set<string>();
    for (const pod of this.pods.indexer.list()) {
      const node = pod.spec?.nodeName;
      if (node) {
        bound.push(pod);
        if (!this.nodes.indexer.get(node)) missing.add(node);
      } else if (pod.metadata?.deletionTimestamp) unscheduledTerminating.push(pod);
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") finished.push(pod);
    }
    // Orphaned pods: their node has been missing for the quarantine time
    // (the cache may lag, so a live read confirms).
    const now = this.opts.clock.now();
    for (const node of this.missingSince.keys()) {
      if (!missing.has(node)) this.missingSince.delete(node);
    }
    const gone = new Set<string>();
    for (const node of missing) {
      const since = this.missingSince.get(node);
      if (since === undefined) this.missingSince.set(node, now);
      if (since === undefined || now - since < (this.opts.quarantineMs ?? quarantineMs)) continue;
      try {
        await this.opts.client.get(nodesRef, undefined, node);
        this.missingSince.delete(node);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        gone.add(node);
      }
    }
    if (gone.size > 0)
      for (const pod of bound) if (gone.has(pod.spec!.nodeName!)) await this.forceDelete(pod);
    // Terminating pods that were never scheduled have no kubelet to finish them.
    for (const pod of unscheduledTerminating) await this.forceDelete(pod);
    // Finished pods beyond the threshold, oldest first.
    const threshold = this.opts.terminatedPodThreshold ?? 12_500;
    if (finished.length > threshold) {
      finished.sort(
        (a, b) =>
          Date.parse(a.metadata?.creationTimestamp ?? "") -
          Date.parse(b.metadata?.creationTimestamp ?? ""),
      );
      for (const p of finished.slice(0, finished.length - threshold)) await this.forceDelete(p);
    }
  }
}

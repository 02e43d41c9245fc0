/**
 * Informer event routing, as upstream eventhandlers.go: bound pods feed the
 * cache, pending pods of our profiles feed the queue, and every change that
 * could make a waiting pod schedulable is passed to the queue as a cluster
 * event. Handlers only route; they never block or call the API.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../api/types.ts";
import type { SharedInformer } from "../client/informer/shared-informer.ts";
import type { SchedulerCache } from "./cache/cache.ts";
import { podKey } from "./cache/cache.ts";
import type { ClusterEventResource } from "./framework/interfaces.ts";
import type { SchedulingQueue } from "./queue/scheduling-queue.ts";

export interface HandlerDeps {
  cache: SchedulerCache;
  queue: SchedulingQueue;
  /** True when one of our profiles schedules pods with this schedulerName. */
  responsibleFor(schedulerName: string): boolean;
  /** Adds spec.priority from the PriorityClass when the API server left it unset. */
  withPriority(pod: Pod): Pod;
}

const terminal = (pod: Pod) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

export function addPodHandlers(informer: SharedInformer<KObject>, d: HandlerDeps): void {
  const pending = (pod: Pod) =>
    !pod.spec?.nodeName &&
    !terminal(pod) &&
    d.responsibleFor(pod.spec?.schedulerName ?? "default-scheduler");
  informer.addEventHandler({
    add(obj) {
      const pod = obj as Pod;
      if (pod.spec?.nodeName) {
        d.cache.addPod(pod);
        d.queue.moveAllToActiveOrBackoffQueue("Pod", "Add");
      } else if (pending(pod) && !pod.metadata?.deletionTimestamp) d.queue.add(d.withPriority(pod));
    },
    update(oldObj, newObj) {
      const pod = newObj as Pod;
      if (pod.spec?.nodeName) {
        if (!(oldObj as Pod).spec?.nodeName) d.queue.delete(pod);
        d.cache.updatePod(oldObj as Pod, pod);
        if (terminal(pod)) d.queue.moveAllToActiveOrBackoffQueue("Pod", "Delete");
        else d.queue.moveAllToActiveOrBackoffQueue("Pod", "Update");
      } else if (d.cache.isAssumed(podKey(pod))) {
        // Our own bind is in flight; the bound update will follow.
      } else if (pending(pod) && !pod.metadata?.deletionTimestamp)
        d.queue.update(d.withPriority(pod));
      else d.queue.delete(pod);
    },
    delete(obj) {
      const pod = obj as Pod;
      if (pod.spec?.nodeName || d.cache.isAssumed(podKey(pod))) {
        d.cache.removePod(pod);
        d.queue.moveAllToActiveOrBackoffQueue("Pod", "Delete");
      }
      d.queue.delete(pod);
    },
  });
}

export function addNodeHandlers(informer: SharedInformer<KObject>, d: HandlerDeps): void {
  informer.addEventHandler({
    add(obj) {
      d.cache.addNode(obj as Node);
      d.queue.moveAllToActiveOrBackoffQueue("Node", "Add");
    },
    update(_old, obj) {
      d.cache.updateNode(obj as Node);
      d.queue.moveAllToActiveOrBackoffQueue("Node", "Update");
    },
    delete(obj) {
      d.cache.removeNode(obj as Node);
    },
  });
}

/** Any add/update/delete of the resource is a cluster event for the queue. */
export function addClusterEventHandlers(
  informer: SharedInformer<KObject>,
  resource: ClusterEventResource,
  d: HandlerDeps,
): void {
  informer.addEventHandler({
    add: () => d.queue.moveAllToActiveOrBackoffQueue(resource, "Add"),
    update: () => d.queue.moveAllToActiveOrBackoffQueue(resource, "Update"),
    delete: () => d.queue.moveAllToActiveOrBackoffQueue(resource, "Delete"),
  });
}

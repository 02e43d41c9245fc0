/**
 * Pods that keep the batch.kubernetes.io/job-tracking finalizer after their
 * Job is gone or finished: as upstream's enqueueOrphanPod / syncOrphanPod /
 * cleanupPodFinalizers, the finalizer is removed so the pod can be deleted
 * (without it, a terminating pod of a deleted Job stays forever).
 */
import { isNotFound } from "../../client/api-error.ts";
import type { Indexer } from "../../client/informer/store.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { podsRef } from "../../client/resources.ts";
import { controllerOf } from "../util/controller-ref.ts";
import type { Pod } from "../util/pods.ts";
import { trackingFinalizer } from "./job-pod.ts";
import { isJobFinished, type Job } from "./job-status.ts";

/** Queue keys of orphaned pods ("orphan-pod:ns/name"; namespaces have no ":"). */
export const ORPHAN_POD_PREFIX = "orphan-pod:";

export const orphanPodKey = (pod: Pod): string =>
  `${ORPHAN_POD_PREFIX}${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;

/**
 * Whether the pod's tracking finalizer is nobody's to remove but ours now:
 * it has the finalizer and no batch/v1 Job controls it, or its Job is gone
 * (another uid under the name) or finished. Pods controlled by other kinds
 * are left alone, as upstream.
 */
export function orphanedWithFinalizer(pod: Pod, jobs: Indexer<Job>): boolean {
  if (!pod.metadata?.finalizers?.includes(trackingFinalizer)) return false;
  const ref = controllerOf(pod);
  if (!ref) return true;
  if (ref.kind !== "Job" || ref.apiVersion !== "batch/v1") return false;
  const job = jobs.get(`${pod.metadata.namespace ?? ""}/${ref.name}`);
  return !job || job.metadata?.uid !== ref.uid || isJobFinished(job);
}

/** Removes the tracking finalizer from the pod at "ns/name" if it is still orphaned. */
export async function syncOrphanPod(
  key: string,
  pods: Indexer<Pod>,
  jobs: Indexer<Job>,
  client: RestClient,
): Promise<void> {
  const pod = pods.get(key);
  if (!pod || !orphanedWithFinalizer(pod, jobs)) return;
  try {
    await client.patch(podsRef, pod.metadata?.namespace, pod.metadata?.name ?? "", "strategic", {
      metadata: { "$deleteFromPrimitiveList/finalizers": [trackingFinalizer] },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * The pod a Job creates: the template with the Job's labels, the tracking
 * finalizer and, for an Indexed Job, the completion index (annotation,
 * label, hostname, JOB_COMPLETION_INDEX) and, with backoffLimitPerIndex,
 * the failure counts of its index so far.
 */
import { newControllerRef } from "../util/controller-ref.ts";
import { podFromTemplate } from "../util/pod-template.ts";
import type { Pod } from "../util/pods.ts";
import type { Job } from "./job-status.ts";
import {
  completionIndexAnnotation,
  indexFailureCountAnnotation,
  indexIgnoredFailureCountAnnotation,
  type IndexFailureCounts,
} from "./index-failures.ts";

export const trackingFinalizer = "batch.kubernetes.io/job-tracking";

export function newJobPod(job: Job, index?: number, counts?: IndexFailureCounts): Pod {
  const name = job.metadata?.name ?? "";
  const pod = podFromTemplate(job, newControllerRef(job, "batch/v1", "Job"), {
    generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
    labels: {
      "batch.kubernetes.io/controller-uid": job.metadata?.uid ?? "",
      "batch.kubernetes.io/job-name": name,
      "controller-uid": job.metadata?.uid ?? "",
      "job-name": name,
      ...(index === undefined ? {} : { [completionIndexAnnotation]: String(index) }),
    },
  }) as Pod;
  pod.metadata!.finalizers = [...(pod.metadata?.finalizers ?? []), trackingFinalizer];
  if (index === undefined) return pod;
  pod.metadata!.annotations = {
    ...(pod.metadata?.annotations ?? {}),
    [completionIndexAnnotation]: String(index),
    ...(counts ? { [indexFailureCountAnnotation]: String(counts.failed) } : {}),
    ...(counts?.ignored ? { [indexIgnoredFailureCountAnnotation]: String(counts.ignored) } : {}),
  };
  const spec = pod.spec as {
    hostname?: string;
    containers?: { env?: unknown[] }[];
  };
  spec.hostname = `${name}-${index}`;
  for (const c of spec.containers ?? [])
    c.env = [
      ...(c.env ?? []),
      {
        name: "JOB_COMPLETION_INDEX",
        valueFrom: {
          fieldRef: { fieldPath: `metadata.annotations['${completionIndexAnnotation}']` },
        },
      },
    ];
  return pod;
}

/**
 * batch/v1: Job, CronJob.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  CronJob: "Runs a Job on a cron schedule.",
  "CronJob.metadata": "Standard object metadata.",
  "CronJob.spec": "Schedule and job template.",
  "CronJob.status": "Observed state of the cron job.",
  CronJobList: "A list of cron jobs.",
  "CronJobList.metadata": "Standard list metadata.",
  "CronJobList.items": "The cron jobs.",
  CronJobSpec: "When and how a cron job creates Jobs.",
  "CronJobSpec.schedule": 'Cron expression, e.g. "*/5 * * * *".',
  "CronJobSpec.timeZone":
    "IANA time zone of the schedule (default: the controller manager's zone).",
  "CronJobSpec.startingDeadlineSeconds":
    "Seconds after a missed run during which it may still start.",
  "CronJobSpec.concurrencyPolicy": "Allow (default), Forbid or Replace overlapping runs.",
  "CronJobSpec.suspend": "When true no further runs are started.",
  "CronJobSpec.jobTemplate": "The Job created on each run.",
  "CronJobSpec.successfulJobsHistoryLimit": "Finished successful Jobs kept (default 3).",
  "CronJobSpec.failedJobsHistoryLimit": "Finished failed Jobs kept (default 1).",
  CronJobStatus: "Observed state of a cron job.",
  "CronJobStatus.active": "Jobs currently running.",
  "CronJobStatus.lastScheduleTime": "When a Job was last scheduled.",
  "CronJobStatus.lastSuccessfulTime": "When a Job last completed successfully.",
  Job: "Runs pods until a number of them complete successfully.",
  "Job.metadata": "Standard object metadata.",
  "Job.spec": "Desired behaviour of the job.",
  "Job.status": "Observed state of the job.",
  JobCondition: "One observed condition of a job.",
  "JobCondition.type": "Complete, Failed, Suspended, FailureTarget or SuccessCriteriaMet.",
  "JobCondition.status": "True, False or Unknown.",
  "JobCondition.lastProbeTime": "When the condition was last checked.",
  "JobCondition.lastTransitionTime": "When the status last flipped.",
  "JobCondition.reason": "Machine-readable cause of the last transition.",
  "JobCondition.message": "Human-readable details of the last transition.",
  JobList: "A list of jobs.",
  "JobList.metadata": "Standard list metadata.",
  "JobList.items": "The jobs.",
  JobSpec: "Desired state of a job.",
  "JobSpec.parallelism": "Most pods running at once.",
  "JobSpec.completions": "Successful pods needed to finish the job.",
  "JobSpec.activeDeadlineSeconds": "Seconds the job may stay active before it is terminated.",
  "JobSpec.podFailurePolicy": "Rules deciding how pod failures count.",
  "JobSpec.successPolicy": "Rules declaring an indexed job successful early.",
  "JobSpec.backoffLimit": "Retries before the job is marked failed (default 6).",
  "JobSpec.backoffLimitPerIndex": "Retries allowed per index of an indexed job.",
  "JobSpec.maxFailedIndexes": "Failed indexes tolerated before the job fails.",
  "JobSpec.selector": "Pods counted by this job; usually generated.",
  "JobSpec.manualSelector": "When true the user supplies the selector and pod labels.",
  "JobSpec.template": "Pod created for each attempt; restartPolicy must be Never or OnFailure.",
  "JobSpec.ttlSecondsAfterFinished": "Seconds after finishing before the job is deleted.",
  "JobSpec.completionMode": "NonIndexed (default) or Indexed.",
  "JobSpec.suspend": "When true no pods are created and running ones are removed.",
  "JobSpec.podReplacementPolicy":
    "When replacement pods are created: TerminatingOrFailed or Failed.",
  "JobSpec.managedBy": "Controller that reconciles this job (default the built-in one).",
  JobStatus: "Observed state of a job.",
  "JobStatus.conditions": "Latest observations of the job's state.",
  "JobStatus.startTime": "When the controller started the job.",
  "JobStatus.completionTime": "When the job completed successfully.",
  "JobStatus.active": "Pending or running pods that are not terminating.",
  "JobStatus.succeeded": "Pods that reached phase Succeeded.",
  "JobStatus.failed": "Pods that reached phase Failed.",
  "JobStatus.terminating": "Pods that are terminating.",
  "JobStatus.completedIndexes": 'Completed indexes, e.g. "1,3-5,7".',
  "JobStatus.failedIndexes": "Failed indexes, in the completedIndexes format.",
  "JobStatus.uncountedTerminatedPods": "Finished pods not yet added to the counters.",
  "JobStatus.ready": "Active pods that are ready.",
  JobTemplateSpec: "Template of a Job created by a CronJob.",
  "JobTemplateSpec.metadata": "Metadata of the created jobs.",
  "JobTemplateSpec.spec": "Spec of the created jobs.",
  PodFailurePolicy: "How failed pods count against the backoff limit.",
  "PodFailurePolicy.rules": "Rules checked in order; the first match applies.",
  PodFailurePolicyOnExitCodesRequirement: "Matches a failed pod by container exit codes.",
  "PodFailurePolicyOnExitCodesRequirement.containerName":
    "Only check this container (default all).",
  "PodFailurePolicyOnExitCodesRequirement.operator": "In or NotIn.",
  "PodFailurePolicyOnExitCodesRequirement.values": "Exit codes compared against.",
  PodFailurePolicyOnPodConditionsPattern: "Matches a failed pod by one of its conditions.",
  "PodFailurePolicyOnPodConditionsPattern.type": "Pod condition type to match.",
  "PodFailurePolicyOnPodConditionsPattern.status": "Pod condition status to match (default True).",
  PodFailurePolicyRule: "One pod failure rule: an action and what it matches.",
  "PodFailurePolicyRule.action": "FailJob, FailIndex, Ignore or Count.",
  "PodFailurePolicyRule.onExitCodes": "Match on container exit codes.",
  "PodFailurePolicyRule.onPodConditions": "Match on pod conditions.",
  SuccessPolicy: "When an indexed job may be declared successful.",
  "SuccessPolicy.rules": "Alternative rules; meeting any one succeeds the job.",
  SuccessPolicyRule: "One success rule over succeeded indexes.",
  "SuccessPolicyRule.succeededIndexes": 'Indexes that must all succeed, e.g. "0-3,7".',
  "SuccessPolicyRule.succeededCount": "How many of those indexes must succeed.",
  UncountedTerminatedPods: "UIDs of finished pods not yet counted in status.",
  "UncountedTerminatedPods.succeeded": "UIDs of succeeded pods.",
  "UncountedTerminatedPods.failed": "UIDs of failed pods.",
};

export const batchV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.batch.v1",
    types: {
      CronJob: {
        gvk: [{ group: "batch", version: "v1", kind: "CronJob" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "CronJobSpec"],
          status: [3, "CronJobStatus"],
        },
      },
      CronJobList: {
        gvk: [{ group: "batch", version: "v1", kind: "CronJobList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]CronJob", { required: true }],
        },
      },
      CronJobSpec: {
        fields: {
          schedule: [1, "string", { required: true, pointer: true }],
          timeZone: [8, "string", { pointer: true }],
          startingDeadlineSeconds: [2, "int64", { pointer: true }],
          concurrencyPolicy: [3, "string", { enum: ["Allow", "Forbid", "Replace"] }],
          suspend: [4, "bool", { pointer: true }],
          jobTemplate: [5, "JobTemplateSpec", { required: true }],
          successfulJobsHistoryLimit: [6, "int32", { pointer: true }],
          failedJobsHistoryLimit: [7, "int32", { pointer: true }],
        },
      },
      CronJobStatus: {
        fields: {
          active: [1, `[]${CORE}.ObjectReference`, { listType: "atomic" }],
          lastScheduleTime: [4, "Time"],
          lastSuccessfulTime: [5, "Time"],
        },
      },
      Job: {
        gvk: [{ group: "batch", version: "v1", kind: "Job" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "JobSpec"],
          status: [3, "JobStatus"],
        },
      },
      JobCondition: {
        fields: {
          type: [1, "string", { required: true, pointer: true }],
          status: [2, "string", { required: true, pointer: true }],
          lastProbeTime: [3, "Time"],
          lastTransitionTime: [4, "Time"],
          reason: [5, "string"],
          message: [6, "string"],
        },
      },
      JobList: {
        gvk: [{ group: "batch", version: "v1", kind: "JobList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]Job", { required: true }],
        },
      },
      JobSpec: {
        fields: {
          parallelism: [1, "int32", { pointer: true }],
          completions: [2, "int32", { pointer: true }],
          activeDeadlineSeconds: [3, "int64", { pointer: true }],
          podFailurePolicy: [11, "PodFailurePolicy"],
          successPolicy: [16, "SuccessPolicy"],
          backoffLimit: [7, "int32", { pointer: true }],
          backoffLimitPerIndex: [12, "int32", { pointer: true }],
          maxFailedIndexes: [13, "int32", { pointer: true }],
          selector: [4, `${META}.LabelSelector`],
          manualSelector: [5, "bool", { pointer: true }],
          template: [6, `${CORE}.PodTemplateSpec`, { required: true }],
          ttlSecondsAfterFinished: [8, "int32", { pointer: true }],
          completionMode: [9, "string", { pointer: true, enum: ["Indexed", "NonIndexed"] }],
          suspend: [10, "bool", { pointer: true }],
          podReplacementPolicy: [
            14,
            "string",
            { pointer: true, enum: ["Failed", "TerminatingOrFailed"] },
          ],
          managedBy: [15, "string", { pointer: true }],
        },
      },
      JobStatus: {
        fields: {
          conditions: [
            1,
            "[]JobCondition",
            { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" },
          ],
          startTime: [2, "Time"],
          completionTime: [3, "Time"],
          active: [4, "int32"],
          succeeded: [5, "int32"],
          failed: [6, "int32"],
          terminating: [11, "int32", { pointer: true }],
          completedIndexes: [7, "string"],
          failedIndexes: [10, "string", { pointer: true }],
          uncountedTerminatedPods: [8, "UncountedTerminatedPods"],
          ready: [9, "int32", { pointer: true }],
        },
      },
      JobTemplateSpec: {
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "JobSpec"],
        },
      },
      PodFailurePolicy: {
        fields: {
          rules: [1, "[]PodFailurePolicyRule", { required: true, listType: "atomic" }],
        },
      },
      PodFailurePolicyOnExitCodesRequirement: {
        fields: {
          containerName: [1, "string", { pointer: true }],
          operator: [2, "string", { required: true, pointer: true, enum: ["In", "NotIn"] }],
          values: [3, "[]int32", { required: true, listType: "set" }],
        },
      },
      PodFailurePolicyOnPodConditionsPattern: {
        fields: {
          type: [1, "string", { required: true, pointer: true }],
          status: [2, "string", { required: true, pointer: true }],
        },
      },
      PodFailurePolicyRule: {
        fields: {
          action: [
            1,
            "string",
            { required: true, pointer: true, enum: ["Count", "FailIndex", "FailJob", "Ignore"] },
          ],
          onExitCodes: [2, "PodFailurePolicyOnExitCodesRequirement"],
          onPodConditions: [3, "[]PodFailurePolicyOnPodConditionsPattern", { listType: "atomic" }],
        },
      },
      SuccessPolicy: {
        fields: {
          rules: [1, "[]SuccessPolicyRule", { required: true, listType: "atomic" }],
        },
      },
      SuccessPolicyRule: {
        fields: {
          succeededIndexes: [1, "string", { pointer: true }],
          succeededCount: [2, "int32", { pointer: true }],
        },
      },
      UncountedTerminatedPods: {
        fields: {
          succeeded: [1, "[]string", { listType: "set" }],
          failed: [2, "[]string", { listType: "set" }],
        },
      },
    },
  },
  docs,
);

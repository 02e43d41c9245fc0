/**
 * Defaulting of batch/v1 Jobs and CronJobs as upstream, and the Job
 * strategy's generated selector (batch.kubernetes.io/controller-uid).
 */
import type { KObject } from "../types.ts";
import { isObject, obj, str } from "../validation/field.ts";
import { defaultPodTemplate } from "./pod.ts";
import { setDefault } from "./workloads.ts";

type Obj = Record<string, unknown>;

export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/** SetDefaults_Job: completions/parallelism 1, backoffLimit 6, NonIndexed, suspend false ... */
export function defaultJob(o: KObject): void {
  const s = setDefault<Obj>(o as Obj, "spec", {});
  const hasCompletions = s.completions !== undefined && s.completions !== null;
  const hasParallelism = s.parallelism !== undefined && s.parallelism !== null;
  if (!hasCompletions && !hasParallelism) {
    s.completions = 1;
    s.parallelism = 1;
  }
  setDefault(s, "parallelism", 1);
  if (s.backoffLimit === undefined || s.backoffLimit === null) {
    s.backoffLimit =
      s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null ? 2147483647 : 6;
  }
  setDefault(s, "completionMode", "NonIndexed");
  setDefault(s, "suspend", false);
  setDefault(
    s,
    "podReplacementPolicy",
    isObject(s.podFailurePolicy) ? "Failed" : "TerminatingOrFailed",
  );
  copyTemplateLabels(o);
  defaultPodTemplate(s.template);
}

/**
 * The Job strategy's selector generation (create only, unless
 * spec.manualSelector): selector on the job's uid and labels on the
 * template. Needs metadata.uid and metadata.name; does nothing without them.
 */
export function generateJobSelector(o: KObject): void {
  const s = obj(o.spec);
  if (!isObject(o.spec) || s.manualSelector === true) return;
  const meta = obj(o.metadata);
  const uid = str(meta.uid);
  const name = str(meta.name);
  if (!uid || !name) return;
  const template = setDefault<Obj>(s, "template", {});
  const tmeta = setDefault<Obj>(template, "metadata", {});
  const labels = setDefault<Record<string, string>>(tmeta, "labels", {});
  labels[CONTROLLER_UID_LABEL] = uid;
  labels[JOB_NAME_LABEL] = name;
  labels["controller-uid"] = uid;
  labels["job-name"] = name;
  s.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
  copyTemplateLabels(o);
}

/** A job without labels takes its template's labels (upstream defaulting). */
function copyTemplateLabels(o: KObject): void {
  const labels = obj(obj(obj(obj(o.spec).template).metadata).labels);
  const meta = setDefault<Obj>(o as Obj, "metadata", {});
  const own = isObject(meta.labels) ? meta.labels : {};
  if (Object.keys(own).length === 0 && Object.keys(labels).length > 0) meta.labels = { ...labels };
}

/** SetDefaults_CronJob: Allow, suspend false, history 3 / 1; job template pod defaults. */
export function defaultCronJob(o: KObject): void {
  const s = setDefault<Obj>(o as Obj, "spec", {});
  setDefault(s, "concurrencyPolicy", "Allow");
  setDefault(s, "suspend", false);
  setDefault(s, "successfulJobsHistoryLimit", 3);
  setDefault(s, "failedJobsHistoryLimit", 1);
  const jt = setDefault<Obj>(s, "jobTemplate", {});
  const js = setDefault<Obj>(jt, "spec", {});
  defaultPodTemplate(js.template);
}

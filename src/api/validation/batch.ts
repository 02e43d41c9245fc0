/** Validation of batch/v1 Jobs and CronJobs, as upstream. */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { nameIsDNSSubdomain } from "./names.ts";
import { deepEqual, isObject, obj, str, validateNonnegative } from "./field.ts";
import {
  validateLabels,
  validateAnnotations,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod.ts";
import { validateSelectorImmutable, validateWorkloadSelector } from "./selector.ts";

const MAX_CRONJOB_NAME = 52;

/** A JobSpec at `field`; `checkSelector` false for CronJob job templates (selector generated later). */
export function validateJobSpec(
  spec: Record<string, unknown>,
  field: string,
  checkSelector: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ["parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"]) {
    errs.push(...validateNonnegative(`${field}.${k}`, spec[k]));
  }
  if (typeof spec.activeDeadlineSeconds === "number" && spec.activeDeadlineSeconds <= 0) {
    errs.push(
      fieldErrors.invalid(
        `${field}.activeDeadlineSeconds`,
        spec.activeDeadlineSeconds,
        "must be greater than or equal to 0",
      ),
    );
  }
  const mode = str(spec.completionMode);
  if (mode && mode !== "NonIndexed" && mode !== "Indexed") {
    errs.push(fieldErrors.notSupported(`${field}.completionMode`, mode, ["NonIndexed", "Indexed"]));
  }
  if (mode === "Indexed" && (spec.completions === undefined || spec.completions === null)) {
    errs.push(fieldErrors.required(`${field}.completions`, "when completion mode is Indexed"));
  }
  if (checkSelector) errs.push(...validateWorkloadSelector(spec, field, "job"));
  const template = spec.template;
  if (!isObject(template)) {
    errs.push(fieldErrors.required(`${field}.template`));
    return errs;
  }
  errs.push(...validatePodTemplateSpec(template, `${field}.template`));
  const policy = str(obj(template.spec).restartPolicy);
  if (policy && policy !== "OnFailure" && policy !== "Never") {
    errs.push(
      fieldErrors.notSupported(`${field}.template.spec.restartPolicy`, policy, [
        "OnFailure",
        "Never",
      ]),
    );
  }
  return errs;
}

/** A Job. */
export function validateJob(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  return [
    ...validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain }),
    ...validateJobSpec(spec, "spec", true),
  ];
}

/** Job updates: selector, template (unless suspended), completions and completionMode immutable. */
export function validateJobUpdate(o: KObject, old: KObject): FieldError[] {
  const spec = obj(o.spec);
  const oldSpec = obj(old.spec);
  const errs = [
    ...validateObjectMetaUpdate(o, old),
    ...validateSelectorImmutable(spec.selector, oldSpec.selector, "spec.selector"),
  ];
  for (const k of [
    "completionMode",
    "podFailurePolicy",
    "backoffLimitPerIndex",
    "manualSelector",
  ]) {
    if (!deepEqual(spec[k], oldSpec[k]))
      errs.push(fieldErrors.invalid(`spec.${k}`, spec[k] ?? null, "field is immutable"));
  }
  if (!deepEqual(spec.completions, oldSpec.completions) && spec.completionMode !== "Indexed") {
    errs.push(
      fieldErrors.invalid("spec.completions", spec.completions ?? null, "field is immutable"),
    );
  }
  // The template may change only while the job is suspended (mutable scheduling directives).
  const suspended = oldSpec.suspend === true;
  if (!suspended && !deepEqual(spec.template, oldSpec.template)) {
    errs.push(fieldErrors.invalid("spec.template", spec.template, "field is immutable"));
  }
  return errs;
}

/** A CronJob: name ≤ 52 characters, schedule required, job template valid. */
export function validateCronJob(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const name = str(obj(o.metadata).name);
  if (name.length > MAX_CRONJOB_NAME) {
    errs.push(
      fieldErrors.invalid(
        "metadata.name",
        name,
        `must be no more than ${MAX_CRONJOB_NAME} characters`,
      ),
    );
  }
  const spec = obj(o.spec);
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(fieldErrors.required("spec.schedule"));
  else if (!isCronSchedule(schedule)) {
    errs.push(fieldErrors.invalid("spec.schedule", schedule, `unparseable schedule: ${schedule}`));
  }
  const policy = str(spec.concurrencyPolicy);
  if (!policy) errs.push(fieldErrors.required("spec.concurrencyPolicy"));
  else if (!["Allow", "Forbid", "Replace"].includes(policy)) {
    errs.push(
      fieldErrors.notSupported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]),
    );
  }
  for (const k of [
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
  ]) {
    errs.push(...validateNonnegative(`spec.${k}`, spec[k]));
  }
  const tz = str(spec.timeZone);
  if (tz && !isTimeZone(tz))
    errs.push(fieldErrors.invalid("spec.timeZone", tz, "unknown time zone " + tz));
  const jt = obj(spec.jobTemplate);
  errs.push(...validateLabels(obj(jt.metadata).labels, "spec.jobTemplate.metadata.labels"));
  errs.push(
    ...validateAnnotations(obj(jt.metadata).annotations, "spec.jobTemplate.metadata.annotations"),
  );
  errs.push(...validateJobSpec(obj(jt.spec), "spec.jobTemplate.spec", false));
  return errs;
}

/** Five fields (or a @macro); each field of digits, names, *, ranges, lists and steps. */
export function isCronSchedule(schedule: string): boolean {
  const s = schedule.replace(/^(CRON_)?TZ=\S+\s+/, "").trim();
  if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(s)) return true;
  if (/^@every\s+\S+$/.test(s)) return true;
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return false;
  const part = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?$/;
  return fields.every((f) => f.split(",").every((p) => part.test(p)));
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** CronJob updates: metadata rules only (the spec is mutable). */
export function validateCronJobUpdate(o: KObject, old: KObject): FieldError[] {
  return validateObjectMetaUpdate(o, old);
}

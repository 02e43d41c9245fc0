/**
 * Pod and PodTemplateSpec validation as upstream: ValidatePodCreate,
 * ValidatePodUpdate (spec mostly immutable), ValidatePodTemplateSpec.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { nameIsDNSSubdomain } from "./names.ts";
import { deepEqual, obj, objects } from "./field.ts";
import {
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./object-meta.ts";
import { validatePodSpec } from "./pod-spec.ts";
import { copyJson } from "../../util/json-copy.ts";

/** A new pod. */
export function validatePod(pod: KObject): FieldError[] {
  return [
    ...validateObjectMeta(pod, { namespaced: true, nameFn: nameIsDNSSubdomain }),
    ...validatePodSpec(pod.spec, "spec"),
  ];
}

const UPDATE_FORBIDDEN =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** Go-like field name for the diff: "nodeName" → "NodeName". */
const goName = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);

/** A compact diff of two specs in the spirit of upstream's cmp.Diff output. */
function specDiff(oldSpec: Record<string, unknown>, newSpec: Record<string, unknown>): string {
  const lines = ["  core.PodSpec{"];
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])];
  for (const k of keys) {
    if (deepEqual(oldSpec[k], newSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`- \t${goName(k)}: ${JSON.stringify(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${goName(k)}: ${JSON.stringify(newSpec[k])},`);
  }
  lines.push("  }");
  return lines.join("\n") + "\n";
}

/** Tolerations may only be added; existing ones may only lower NoExecute tolerationSeconds. */
function validateOnlyAddedTolerations(
  newList: unknown,
  oldList: unknown,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const olds = objects(oldList);
  const news = objects(newList);
  olds.forEach((old, i) => {
    const match = news.find(
      (n) =>
        n.key === old.key &&
        n.operator === old.operator &&
        n.value === old.value &&
        n.effect === old.effect,
    );
    if (!match) {
      errs.push(
        fieldErrors.forbidden(
          `${field}[${i}]`,
          "existing toleration can not be modified except its tolerationSeconds",
        ),
      );
    }
  });
  return errs;
}

/** Update-only checks of a pod written through the main resource (validatePod runs too). */
export function validatePodUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod, old);
  const newSpec = obj(pod.spec);
  const oldSpec = obj(old.spec);
  errs.push(
    ...validateOnlyAddedTolerations(newSpec.tolerations, oldSpec.tolerations, "spec.tolerations"),
  );
  // Munge the mutable fields of the new spec to the old values, then require equality.
  const munged = copyJson(newSpec);
  const mungeImages = (key: "containers" | "initContainers") => {
    const olds = objects(oldSpec[key]);
    const news = objects(munged[key]);
    news.forEach((c, i) => {
      if (i >= olds.length) return;
      c.image = olds[i].image;
      // Pods stored before `resources: {}` was defaulted lack it (upstream defaults on read).
      if (olds[i].resources === undefined && deepEqual(c.resources, {})) delete c.resources;
    });
  };
  mungeImages("containers");
  mungeImages("initContainers");
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  // Scheduling gates may only be removed.
  const oldGates = objects(oldSpec.schedulingGates);
  const newGates = objects(newSpec.schedulingGates);
  if (newGates.every((g) => oldGates.some((o) => o.name === g.name)))
    munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && newSpec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!deepEqual(munged, oldSpec)) {
    errs.push(fieldErrors.forbidden("spec", `${UPDATE_FORBIDDEN}\n${specDiff(oldSpec, munged)}`));
  }
  const oldAds = oldSpec.activeDeadlineSeconds;
  const newAds = newSpec.activeDeadlineSeconds;
  if (typeof oldAds === "number") {
    if (typeof newAds !== "number") {
      errs.push(
        fieldErrors.invalid(
          "spec.activeDeadlineSeconds",
          null,
          "must not update from a positive integer to nil value",
        ),
      );
    } else if (newAds > oldAds) {
      errs.push(
        fieldErrors.invalid(
          "spec.activeDeadlineSeconds",
          newAds,
          "must be less than or equal to previous value",
        ),
      );
    }
  }
  return errs;
}

/** A PodTemplateSpec at `field` ("spec.template"): labels, annotations and spec. */
export function validatePodTemplateSpec(template: unknown, field: string): FieldError[] {
  const t = obj(template);
  const meta = obj(t.metadata);
  return [
    ...validateLabels(meta.labels, `${field}.metadata.labels`),
    ...validateAnnotations(meta.annotations, `${field}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${field}.spec`),
  ];
}

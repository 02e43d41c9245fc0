/**
 * Workload selector rules shared by apps, batch and replication controllers:
 * selector required and non-empty, matching the template's labels, immutable.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import {
  goLabelSelector,
  goStringMap,
  invalidRendered,
  obj,
  stringMap,
  deepEqual,
  FIELD_IMMUTABLE,
} from "./field.ts";
import { selectorIsEmpty, selectorMatches, validateLabelSelector } from "./object-meta.ts";

/**
 * spec.selector of an apps/batch workload: required, non-empty (detail names
 * the kind as upstream: "empty selector is invalid for deployment"), valid,
 * and matching `spec.template.metadata.labels`.
 */
export function validateWorkloadSelector(
  spec: Record<string, unknown>,
  field: string,
  kindWord: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const selector = spec.selector;
  if (selector === undefined || selector === null) {
    errs.push(fieldErrors.required(`${field}.selector`));
    return errs;
  }
  errs.push(...validateLabelSelector(selector, `${field}.selector`));
  if (selectorIsEmpty(selector)) {
    errs.push(
      invalidRendered(
        `${field}.selector`,
        goLabelSelector(selector),
        `empty selector is invalid for ${kindWord}`,
      ),
    );
    return errs;
  }
  const labels = stringMap(obj(obj(spec.template).metadata).labels);
  if (spec.template !== undefined && !selectorMatches(selector, labels)) {
    errs.push(
      invalidRendered(
        `${field}.template.metadata.labels`,
        goStringMap(labels),
        "`selector` does not match template `labels`",
      ),
    );
  }
  return errs;
}

/** spec.selector may not change on update. */
export function validateSelectorImmutable(
  selector: unknown,
  old: unknown,
  field: string,
): FieldError[] {
  return deepEqual(selector, old)
    ? []
    : [invalidRendered(field, goLabelSelector(selector), FIELD_IMMUTABLE)];
}

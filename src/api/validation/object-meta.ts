/**
 * ObjectMeta validation as upstream (apimachinery's ValidateObjectMeta and
 * ValidateObjectMetaUpdate), labels, annotations and label selectors.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameValidator } from "./names.ts";
import { isObject, obj, objects, str, validateImmutable, validateNonnegative } from "./field.ts";

/** Upstream's TotalAnnotationSizeLimitB: 256 KiB over all keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Label keys must be qualified names, values label values; errors name `field`. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (!isObject(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErrors.invalid(field, k, msg));
    for (const msg of isValidLabelValue(str(v))) errs.push(fieldErrors.invalid(field, v, msg));
  }
  return errs;
}

/** Annotation keys must be qualified names (checked lowercased); total size ≤ 256 KiB. */
export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (!isObject(annotations)) return [];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase()))
      errs.push(fieldErrors.invalid(field, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    errs.push(fieldErrors.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Owner references: each needs apiVersion with a version, kind, name, uid; one controller at most. */
export function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const ref of objects(refs)) {
    const apiVersion = str(ref.apiVersion);
    const version = apiVersion.includes("/") ? apiVersion.split("/")[1] : apiVersion;
    if (!version)
      errs.push(
        fieldErrors.invalid(`${field}.apiVersion`, apiVersion, "version must not be empty"),
      );
    if (!str(ref.kind))
      errs.push(fieldErrors.invalid(`${field}.kind`, str(ref.kind), "kind must not be empty"));
    if (!str(ref.name))
      errs.push(fieldErrors.invalid(`${field}.name`, str(ref.name), "name must not be empty"));
    if (!str(ref.uid))
      errs.push(fieldErrors.invalid(`${field}.uid`, str(ref.uid), "uid must not be empty"));
    if (ref.controller === true) controllers.push(str(ref.name));
  }
  if (controllers.length > 1) {
    errs.push(
      fieldErrors.invalid(
        field,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(" and ")}`,
      ),
    );
  }
  return errs;
}

/** Finalizers must be qualified names. */
export function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  for (const f of finalizers) {
    for (const msg of isQualifiedName(str(f))) errs.push(fieldErrors.invalid(field, f, msg));
  }
  return errs;
}

export interface MetaRules {
  /** Whether the kind is namespaced (namespace required) or cluster-scoped (forbidden). */
  namespaced: boolean;
  /** The kind's name rule. */
  nameFn: NameValidator;
}

/** ObjectMeta of a new object (also run on every update). */
export function validateObjectMeta(o: KObject, rules: MetaRules, field = "metadata"): FieldError[] {
  const meta = obj(o.metadata);
  const errs: FieldError[] = [];
  const generateName = str(meta.generateName);
  if (generateName) {
    for (const msg of rules.nameFn(generateName, true)) {
      errs.push(fieldErrors.invalid(`${field}.generateName`, generateName, msg));
    }
  }
  const name = str(meta.name);
  if (!name) errs.push(fieldErrors.required(`${field}.name`, "name or generateName is required"));
  else
    for (const msg of rules.nameFn(name, false))
      errs.push(fieldErrors.invalid(`${field}.name`, name, msg));
  const namespace = str(meta.namespace);
  if (rules.namespaced) {
    if (!namespace) errs.push(fieldErrors.required(`${field}.namespace`));
    else {
      for (const msg of nameIsDNSLabel(namespace, false)) {
        errs.push(fieldErrors.invalid(`${field}.namespace`, namespace, msg));
      }
    }
  } else if (namespace) {
    errs.push(fieldErrors.forbidden(`${field}.namespace`, "not allowed on this type"));
  }
  errs.push(...validateNonnegative(`${field}.generation`, meta.generation));
  errs.push(...validateLabels(meta.labels, `${field}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${field}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${field}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${field}.finalizers`));
  return errs;
}

/** ObjectMeta of an update: name, namespace, uid and creationTimestamp are immutable. */
export function validateObjectMetaUpdate(
  o: KObject,
  old: KObject,
  field = "metadata",
): FieldError[] {
  const meta = obj(o.metadata);
  const oldMeta = obj(old.metadata);
  const errs: FieldError[] = [];
  errs.push(...validateImmutable(`${field}.name`, meta.name, oldMeta.name));
  errs.push(
    ...validateImmutable(`${field}.namespace`, meta.namespace ?? "", oldMeta.namespace ?? ""),
  );
  // Unset uid / creationTimestamp on an update mean "keep" (the server copies the stored ones).
  if (meta.uid !== undefined && meta.uid !== null && meta.uid !== "" && oldMeta.uid !== undefined) {
    errs.push(...validateImmutable(`${field}.uid`, meta.uid, oldMeta.uid));
  }
  if (
    meta.creationTimestamp !== undefined &&
    meta.creationTimestamp !== null &&
    oldMeta.creationTimestamp !== undefined
  ) {
    errs.push(
      ...validateImmutable(
        `${field}.creationTimestamp`,
        meta.creationTimestamp,
        oldMeta.creationTimestamp,
      ),
    );
  }
  if (oldMeta.deletionTimestamp && Array.isArray(meta.finalizers)) {
    const oldFinalizers = new Set(Array.isArray(oldMeta.finalizers) ? oldMeta.finalizers : []);
    const added = meta.finalizers.filter((f) => !oldFinalizers.has(f));
    if (added.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          `${field}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}`,
        ),
      );
    }
  }
  return errs;
}

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** A metav1.LabelSelector. */
export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  if (!isObject(selector)) return [];
  const errs: FieldError[] = [];
  objects(selector.matchExpressions).forEach((req, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    const values = Array.isArray(req.values) ? req.values : [];
    const op = str(req.operator);
    if (op === "In" || op === "NotIn") {
      if (values.length === 0) {
        errs.push(
          fieldErrors.required(
            `${path}.values`,
            "must be specified when `operator` is 'In' or 'NotIn'",
          ),
        );
      }
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length > 0) {
        errs.push(
          fieldErrors.forbidden(
            `${path}.values`,
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
    } else {
      errs.push(fieldErrors.invalid(`${path}.operator`, op, "not a valid selector operator"));
    }
    for (const msg of isQualifiedName(str(req.key)))
      errs.push(fieldErrors.invalid(`${path}.key`, str(req.key), msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(str(v)))
        errs.push(fieldErrors.invalid(`${path}.values[${j}]`, v, msg));
    });
  });
  errs.push(...validateLabels(selector.matchLabels, `${field}.matchLabels`));
  return errs;
}

/** Whether a metav1.LabelSelector matches a label set (empty selector matches all). */
export function selectorMatches(
  selector: unknown,
  labels: Record<string, string> | undefined,
): boolean {
  const sel = obj(selector);
  const set = labels ?? {};
  for (const [k, v] of Object.entries(obj(sel.matchLabels))) if (set[k] !== v) return false;
  for (const req of objects(sel.matchExpressions)) {
    const key = str(req.key);
    const values = Array.isArray(req.values) ? req.values.map(str) : [];
    const has = Object.prototype.hasOwnProperty.call(set, key);
    switch (req.operator) {
      case "In":
        if (!has || !values.includes(set[key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(set[key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether a selector has no requirements at all. */
export function selectorIsEmpty(selector: unknown): boolean {
  const sel = obj(selector);
  return (
    Object.keys(obj(sel.matchLabels)).length === 0 && objects(sel.matchExpressions).length === 0
  );
}

export { SELECTOR_OPERATORS };

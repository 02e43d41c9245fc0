/** Validation of rbac.authorization.k8s.io/v1 roles and bindings, as upstream. */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { validatePathSegmentName } from "./names.ts";
import { deepEqual, isObject, obj, objects, str } from "./field.ts";
import {
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./object-meta.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function validateRules(rules: unknown, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  objects(rules).forEach((rule, i) => {
    const path = `rules[${i}]`;
    if (list(rule.verbs).length === 0)
      errs.push(fieldErrors.required(`${path}.verbs`, "verbs must contain at least one value"));
    const nonResource = list(rule.nonResourceURLs);
    if (nonResource.length > 0) {
      if (namespaced) {
        errs.push(
          fieldErrors.invalid(
            `${path}.nonResourceURLs`,
            rule.nonResourceURLs,
            "namespaced rules cannot apply to non-resource URLs",
          ),
        );
      }
      if (
        list(rule.apiGroups).length > 0 ||
        list(rule.resources).length > 0 ||
        list(rule.resourceNames).length > 0
      ) {
        errs.push(
          fieldErrors.invalid(
            `${path}.nonResourceURLs`,
            rule.nonResourceURLs,
            "rules cannot apply to both regular resources and non-resource URLs",
          ),
        );
      }
      return;
    }
    if (list(rule.apiGroups).length === 0) {
      errs.push(
        fieldErrors.required(
          `${path}.apiGroups`,
          "resource rules must supply at least one api group",
        ),
      );
    }
    if (list(rule.resources).length === 0) {
      errs.push(
        fieldErrors.required(
          `${path}.resources`,
          "resource rules must supply at least one resource",
        ),
      );
    }
  });
  return errs;
}

/** A Role. */
export function validateRole(o: KObject): FieldError[] {
  return [
    ...validateObjectMeta(o, { namespaced: true, nameFn: validatePathSegmentName }),
    ...validateRules(o.rules, true),
  ];
}

/** A ClusterRole (rules may name non-resource URLs; aggregation needs selectors). */
export function validateClusterRole(o: KObject): FieldError[] {
  const errs = [
    ...validateObjectMeta(o, { namespaced: false, nameFn: validatePathSegmentName }),
    ...validateRules(o.rules, false),
  ];
  if (isObject(o.aggregationRule)) {
    const selectors = objects(o.aggregationRule.clusterRoleSelectors);
    if (selectors.length === 0) {
      errs.push(
        fieldErrors.required(
          "aggregationRule.clusterRoleSelectors",
          "at least one clusterRoleSelector required if aggregationRule is non-nil",
        ),
      );
    }
    selectors.forEach((s, i) =>
      errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)),
    );
  }
  return errs;
}

const SUBJECT_KINDS = ["ServiceAccount", "User", "Group"];

function validateBinding(o: KObject, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(o, { namespaced, nameFn: validatePathSegmentName });
  const ref = obj(o.roleRef);
  if (str(ref.apiGroup) !== RBAC_GROUP)
    errs.push(fieldErrors.notSupported("roleRef.apiGroup", str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(str(ref.kind)))
    errs.push(fieldErrors.notSupported("roleRef.kind", str(ref.kind), kinds));
  if (!str(ref.name)) errs.push(fieldErrors.required("roleRef.name"));
  else
    for (const msg of validatePathSegmentName(str(ref.name), false))
      errs.push(fieldErrors.invalid("roleRef.name", ref.name, msg));
  objects(o.subjects).forEach((s, i) => {
    const path = `subjects[${i}]`;
    if (!str(s.name)) errs.push(fieldErrors.required(`${path}.name`));
    const kind = str(s.kind);
    if (!SUBJECT_KINDS.includes(kind))
      errs.push(fieldErrors.notSupported(`${path}.kind`, kind, SUBJECT_KINDS));
    else if (kind === "ServiceAccount") {
      if (str(s.apiGroup))
        errs.push(fieldErrors.notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !str(s.namespace)) errs.push(fieldErrors.required(`${path}.namespace`));
    } else if (str(s.apiGroup) !== RBAC_GROUP) {
      errs.push(fieldErrors.notSupported(`${path}.apiGroup`, str(s.apiGroup), [RBAC_GROUP]));
    }
  });
  return errs;
}

/** A RoleBinding. */
export function validateRoleBinding(o: KObject): FieldError[] {
  return validateBinding(o, true);
}

/** A ClusterRoleBinding. */
export function validateClusterRoleBinding(o: KObject): FieldError[] {
  return validateBinding(o, false);
}

/** Binding updates: roleRef is immutable. */
export function validateBindingUpdate(o: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(o, old);
  if (!deepEqual(o.roleRef, old.roleRef))
    errs.push(fieldErrors.invalid("roleRef", o.roleRef, "cannot change roleRef"));
  return errs;
}

/**
 * Validation of ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
 * with upstream's field paths and messages; CEL expressions must compile.
 */
import { isDeepStrictEqual } from "node:util";
import { cel } from "../../cel/lazy.ts";
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { invalidRendered, isObject, obj, objects, str } from "../validation/field.ts";
import { isQualifiedName, nameIsDNSSubdomain } from "../validation/names.ts";
import { validateLabelSelector } from "../validation/object-meta.ts";
import {
  POLICY_CEL,
  celErrors,
  goSlice,
  meta,
  oneOf,
  strings,
  validateMatchConditions,
  validateRule,
} from "./admissionregistration-validation.ts";

/** MatchResources of a policy (matchConstraints) or binding (matchResources). */
export function validateMatchResources(m: Record<string, unknown>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(m.namespaceSelector, `${field}.namespaceSelector`));
  errs.push(...validateLabelSelector(m.objectSelector, `${field}.objectSelector`));
  errs.push(...oneOf(`${field}.matchPolicy`, m.matchPolicy, ["Equivalent", "Exact"]));
  for (const key of ["resourceRules", "excludeResourceRules"]) {
    objects(m[key]).forEach((r, i) => {
      const path = `${field}.${key}[${i}]`;
      errs.push(...validateRule(r, path));
      strings(r.resourceNames).forEach((n, j) => {
        for (const msg of nameIsDNSSubdomain(n, false))
          errs.push(fieldErrors.invalid(`${path}.resourceNames[${j}]`, n, msg));
      });
    });
  }
  return errs;
}

const CEL_IDENT = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
/** Upstream's limits on auditAnnotations: how many, and a valueExpression's length. */
const MAX_AUDIT_ANNOTATIONS = 20;
const MAX_VALUE_EXPRESSION_BYTES = 5 * 1024;

/**
 * A ValidatingAdmissionPolicy; `old` on update. As upstream, an update that
 * keeps paramKind and matchConditions does not re-check matchConditions (a
 * policy stored under older rules stays updatable).
 */
export function validatePolicy(o: KObject, old?: KObject): FieldError[] {
  const errs = meta(o);
  const spec = obj(o.spec);
  errs.push(...oneOf("spec.failurePolicy", spec.failurePolicy, ["Fail", "Ignore"]));
  if (isObject(spec.paramKind)) {
    if (!str(spec.paramKind.apiVersion))
      errs.push(fieldErrors.required("spec.paramKind.apiVersion"));
    else if (str(spec.paramKind.apiVersion).split("/").length > 2)
      errs.push(
        fieldErrors.invalid(
          "spec.paramKind.apiVersion",
          spec.paramKind.apiVersion,
          "must be in the form group/version or version",
        ),
      );
    if (!str(spec.paramKind.kind)) errs.push(fieldErrors.required("spec.paramKind.kind"));
  }
  if (!isObject(spec.matchConstraints)) errs.push(fieldErrors.required("spec.matchConstraints"));
  else {
    errs.push(...validateMatchResources(spec.matchConstraints, "spec.matchConstraints"));
    if (objects(spec.matchConstraints.resourceRules).length === 0)
      errs.push(fieldErrors.required("spec.matchConstraints.resourceRules"));
  }
  // As upstream: `params` is declared only with a paramKind; matchConditions
  // compile without `variables` (a stateless compiler), messageExpressions
  // without `authorizer`.
  const declared = POLICY_CEL.filter((v) => v !== "params" || isObject(spec.paramKind));
  const oldSpec = old && obj(old.spec);
  const keepsConditions =
    oldSpec !== undefined &&
    isDeepStrictEqual(oldSpec.paramKind, spec.paramKind) &&
    isDeepStrictEqual(oldSpec.matchConditions, spec.matchConditions);
  if (!keepsConditions)
    errs.push(
      ...validateMatchConditions(
        spec.matchConditions,
        "spec.matchConditions",
        declared.filter((v) => v !== "variables"),
      ),
    );
  // `variables` is typed by the variables' expressions, each seeing the ones before it.
  const composed = cel().compileVariables(
    objects(spec.variables).map((v) => ({ name: str(v.name), expression: str(v.expression) })),
    { variables: declared },
  );
  const exprs = composed.options;
  const messageExprs = { ...exprs, variables: declared.filter((v) => v !== "authorizer") };
  objects(spec.variables).forEach((v, i) => {
    const name = str(v.name);
    if (!name) errs.push(fieldErrors.required(`spec.variables[${i}].name`));
    else if (!CEL_IDENT.test(name))
      errs.push(
        fieldErrors.invalid(
          `spec.variables[${i}].name`,
          name,
          "name is not a valid CEL identifier",
        ),
      );
    if (!str(v.expression)) errs.push(fieldErrors.required(`spec.variables[${i}].expression`));
    const r = composed.results[i]!;
    if (!r.ok && str(v.expression))
      errs.push(
        fieldErrors.invalid(`spec.variables[${i}].expression`, v.expression, r.error.message),
      );
  });
  const validations = objects(spec.validations);
  const audits = objects(spec.auditAnnotations);
  if (validations.length === 0 && audits.length === 0)
    for (const field of ["spec.validations", "spec.auditAnnotations"])
      errs.push(
        fieldErrors.required(
          field,
          "validations or auditAnnotations must contain at least one item",
        ),
      );
  if (audits.length > MAX_AUDIT_ANNOTATIONS)
    errs.push(
      invalidRendered(
        "spec.auditAnnotations",
        `[]admissionregistration.AuditAnnotation{${audits
          .map(
            (a) =>
              `admissionregistration.AuditAnnotation{Key:${JSON.stringify(str(a.key))}, ValueExpression:${JSON.stringify(str(a.valueExpression))}}`,
          )
          .join(", ")}}`,
        `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`,
      ),
    );
  validations.forEach((v, i) => {
    const path = `spec.validations[${i}]`;
    if (!str(v.expression).trim())
      errs.push(fieldErrors.required(`${path}.expression`, "expression is not specified"));
    else errs.push(...celErrors(`${path}.expression`, v.expression, exprs, ["bool"]));
    if (str(v.messageExpression) && !str(v.messageExpression).trim())
      errs.push(
        fieldErrors.invalid(
          `${path}.messageExpression`,
          v.messageExpression,
          "must be non-empty if specified",
        ),
      );
    else
      errs.push(
        ...celErrors(`${path}.messageExpression`, v.messageExpression, messageExprs, ["string"]),
      );
    if (str(v.message) && !str(v.message).trim())
      errs.push(
        fieldErrors.invalid(`${path}.message`, v.message, "message must be non-empty if specified"),
      );
    else if (/[\n\r]/.test(str(v.message).trim()))
      errs.push(
        fieldErrors.invalid(`${path}.message`, v.message, "message must not contain line breaks"),
      );
    errs.push(
      ...oneOf(`${path}.reason`, v.reason, [
        "Forbidden",
        "Invalid",
        "RequestEntityTooLarge",
        "Unauthorized",
      ]),
    );
  });
  const keys = new Set<string>();
  audits.forEach((a, i) => {
    const path = `spec.auditAnnotations[${i}]`;
    const key = str(a.key);
    if (!key) errs.push(fieldErrors.required(`${path}.key`));
    else
      for (const msg of isQualifiedName(`${o.metadata?.name ?? ""}/${key}`))
        errs.push(fieldErrors.invalid(`${path}.key`, key, msg));
    if (keys.has(key)) errs.push(fieldErrors.duplicate(`${path}.key`, key));
    keys.add(key);
    if (!str(a.valueExpression).trim())
      errs.push(
        fieldErrors.required(`${path}.valueExpression`, "valueExpression is not specified"),
      );
    else if (Buffer.byteLength(str(a.valueExpression).trim()) > MAX_VALUE_EXPRESSION_BYTES)
      errs.push(
        fieldErrors.required(
          `${path}.valueExpression`,
          `must not exceed ${MAX_VALUE_EXPRESSION_BYTES} bytes in length`,
        ),
      );
    errs.push(
      ...celErrors(`${path}.valueExpression`, a.valueExpression, exprs, ["string", "null_type"]),
    );
  });
  return errs;
}

/** Upstream's ValidatePathSegmentName (a name that goes into a URL path). */
function pathSegmentNameErrors(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  const out: string[] = [];
  for (const c of ["/", "%"]) if (name.includes(c)) out.push(`may not contain '${c}'`);
  return out;
}

/** A ValidatingAdmissionPolicyBinding. */
export function validatePolicyBinding(o: KObject): FieldError[] {
  const errs = meta(o);
  const spec = obj(o.spec);
  if (!str(spec.policyName)) errs.push(fieldErrors.required("spec.policyName"));
  else
    for (const msg of nameIsDNSSubdomain(str(spec.policyName), false))
      errs.push(fieldErrors.invalid("spec.policyName", spec.policyName, msg));
  if (isObject(spec.paramRef)) {
    const ref = spec.paramRef;
    const hasSelector = isObject(ref.selector);
    for (const msg of pathSegmentNameErrors(str(ref.name)))
      errs.push(fieldErrors.invalid("spec.paramRef.name", ref.name, msg));
    if (str(ref.name) && hasSelector)
      for (const f of ["spec.paramRef.name", "spec.paramRef.selector"])
        errs.push(fieldErrors.forbidden(f, "name and selector are mutually exclusive"));
    if (!str(ref.name) && !hasSelector)
      errs.push(fieldErrors.required("spec.paramRef", "one of name or selector must be specified"));
    if (hasSelector) errs.push(...validateLabelSelector(ref.selector, "spec.paramRef.selector"));
    errs.push(
      ...oneOf(
        "spec.paramRef.parameterNotFoundAction",
        ref.parameterNotFoundAction,
        ["Allow", "Deny"],
        true,
      ),
    );
  }
  if (isObject(spec.matchResources))
    errs.push(...validateMatchResources(spec.matchResources, "spec.matchResources"));
  const actions = strings(spec.validationActions);
  if (actions.length === 0)
    errs.push(
      fieldErrors.required("spec.validationActions", "at least one validation action is required"),
    );
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (seen.has(a)) errs.push(fieldErrors.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
    errs.push(...oneOf(`spec.validationActions[${i}]`, a, ["Audit", "Deny", "Warn"]));
  });
  if (seen.has("Deny") && seen.has("Warn"))
    errs.push(
      invalidRendered(
        "spec.validationActions",
        goSlice(actions),
        "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
      ),
    );
  return errs;
}

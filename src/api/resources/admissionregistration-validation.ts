/**
 * Validation of admissionregistration.k8s.io/v1 webhook configurations with
 * upstream's field paths and messages, and the pieces policies share (rules,
 * matchConditions, CEL compilation with the variables upstream declares).
 */
import { cel } from "../../cel/lazy.ts";
import type { CompileOptions } from "../../cel/index.ts";
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { invalidRendered, isObject, obj, objects, str } from "../validation/field.ts";
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from "../validation/names.ts";
import { validateLabelSelector, validateObjectMeta } from "../validation/object-meta.ts";

/** Variables of matchConditions, as upstream's stateless compiler declares them (params only for policies with a paramKind). */
export const WEBHOOK_CEL = ["object", "oldObject", "request", "namespaceObject", "authorizer"];
export const POLICY_CEL = [...WEBHOOK_CEL, "params", "variables"];

/**
 * Invalid(field, expression, "compilation failed: ...") when the expression
 * does not compile, or "must evaluate to bool but got dyn" when its static
 * type is not one of `returns` (cel-go names: bool, string, null_type).
 */
export function celErrors(
  field: string,
  expression: unknown,
  variables: string[] | CompileOptions,
  returns?: string[],
): FieldError[] {
  if (typeof expression !== "string" || expression === "") return [];
  const r = cel().compile(expression, Array.isArray(variables) ? { variables } : variables);
  if (!r.ok) return [fieldErrors.invalid(field, expression, r.error.message)];
  const wrong = returns && cel().returnTypeError(r.program, returns);
  return wrong ? [fieldErrors.invalid(field, expression, wrong)] : [];
}

/** ObjectMeta of a cluster-scoped admissionregistration object. */
export const meta = (o: KObject) =>
  validateObjectMeta(o, { namespaced: false, nameFn: nameIsDNSSubdomain });

/** A JSON array as strings (empty otherwise). */
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** NotSupported unless value is one of allowed; Required when absent and `required`. */
export function oneOf(
  field: string,
  value: unknown,
  allowed: string[],
  required = false,
): FieldError[] {
  if (value === undefined || value === null)
    return required
      ? [fieldErrors.required(field, `must specify one of ${allowed.join(", ")}`)]
      : [];
  return allowed.includes(String(value)) ? [] : [fieldErrors.notSupported(field, value, allowed)];
}

function wildcardList(field: string, values: string[], what: string): FieldError[] {
  const errs: FieldError[] = [];
  if (values.length === 0) errs.push(fieldErrors.required(field));
  if (values.length > 1 && values.includes("*"))
    errs.push(
      invalidRendered(field, goSlice(values), `if '*' is present, must not specify other ${what}`),
    );
  return errs;
}

/** Go's %#v of a []string. */
export const goSlice = (values: string[]) =>
  `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;

function validateResources(field: string, resources: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) return [fieldErrors.required(field)];
  const wildSub = new Set<string>();
  const wildRes = new Set<string>();
  let doubleWild = false;
  let singleWild = false;
  let plain = false;
  resources.forEach((r, i) => {
    if (r === "") return void errs.push(fieldErrors.required(`${field}[${i}]`));
    if (r === "*/*") doubleWild = true;
    if (r === "*") singleWild = true;
    const slash = r.indexOf("/");
    if (slash < 0) {
      if (r !== "*") plain = true;
      return;
    }
    const [res, sub] = [r.slice(0, slash), r.slice(slash + 1)];
    if (wildSub.has(res))
      errs.push(
        fieldErrors.invalid(`${field}[${i}]`, r, `if '${res}/*' is present, must not specify ${r}`),
      );
    if (wildRes.has(sub))
      errs.push(
        fieldErrors.invalid(`${field}[${i}]`, r, `if '*/${sub}' is present, must not specify ${r}`),
      );
    if (sub === "*") wildSub.add(res);
    if (res === "*") wildRes.add(sub);
  });
  if (resources.length > 1 && doubleWild)
    errs.push(
      invalidRendered(
        field,
        goSlice(resources),
        "if '*/*' is present, must not specify other resources",
      ),
    );
  if (singleWild && plain)
    errs.push(
      invalidRendered(
        field,
        goSlice(resources),
        "if '*' is present, must not specify other resources without subresources",
      ),
    );
  return errs;
}

/** A RuleWithOperations (webhook rules, policy resource rules). */
export function validateRule(rule: Record<string, unknown>, field: string): FieldError[] {
  const ops = strings(rule.operations);
  const errs = wildcardList(`${field}.operations`, ops, "operations");
  const supported = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
  ops.forEach((op, i) => {
    if (!supported.includes(op))
      errs.push(fieldErrors.notSupported(`${field}.operations[${i}]`, op, supported));
  });
  errs.push(...wildcardList(`${field}.apiGroups`, strings(rule.apiGroups), "API groups"));
  const versions = strings(rule.apiVersions);
  errs.push(...wildcardList(`${field}.apiVersions`, versions, "API versions"));
  versions.forEach((v, i) => {
    if (v === "") errs.push(fieldErrors.required(`${field}.apiVersions[${i}]`));
  });
  errs.push(...validateResources(`${field}.resources`, strings(rule.resources)));
  errs.push(...oneOf(`${field}.scope`, rule.scope, ["*", "Cluster", "Namespaced"]));
  return errs;
}

function validateClientConfig(cc: Record<string, unknown>, field: string): FieldError[] {
  const hasUrl = typeof cc.url === "string";
  const hasSvc = isObject(cc.service);
  if (hasUrl === hasSvc)
    return [fieldErrors.required(field, "exactly one of url or service is required")];
  if (hasUrl) return validateWebhookUrl(String(cc.url), `${field}.url`);
  const svc = obj(cc.service);
  const path = `${field}.service`;
  const errs: FieldError[] = [];
  if (!str(svc.name)) errs.push(fieldErrors.required(`${path}.name`, "service name is required"));
  if (!str(svc.namespace))
    errs.push(fieldErrors.required(`${path}.namespace`, "service namespace is required"));
  for (const msg of isValidPortNum(Number(svc.port ?? 443)))
    errs.push(fieldErrors.invalid(`${path}.port`, svc.port, `port is not valid: ${msg}`));
  if (typeof svc.path === "string") errs.push(...validateServicePath(svc.path, `${path}.path`));
  return errs;
}

function validateServicePath(p: string, field: string): FieldError[] {
  if (!p.startsWith("/")) return [fieldErrors.invalid(field, p, "must start with a '/'")];
  if (p === "/") return [];
  const errs: FieldError[] = [];
  p.slice(1)
    .split("/")
    .forEach((seg, i) => {
      if (seg === "") errs.push(fieldErrors.invalid(field, p, `segment[${i}] may not be empty`));
      else {
        const msgs = isDNS1123Subdomain(seg);
        if (msgs.length > 0)
          errs.push(fieldErrors.invalid(field, p, `segment[${i}]: ${msgs.join(", ")}`));
      }
    });
  return errs;
}

/** A webhook clientConfig.url: https, with a host, no user info, query or fragment. */
export function validateWebhookUrl(raw: string, field: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err) {
    return [fieldErrors.invalid(field, raw, `url must be a valid URL: ${(err as Error).message}`)];
  }
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "https")
    return [fieldErrors.invalid(field, scheme, "'https' is the only allowed URL scheme")];
  const errs: FieldError[] = [];
  if (!u.host) errs.push(fieldErrors.invalid(field, u.host, "host must be specified"));
  if (u.username || u.password)
    errs.push(
      fieldErrors.invalid(field, u.username, "user information is not permitted in the URL"),
    );
  if (u.hash)
    errs.push(
      fieldErrors.invalid(field, u.hash.slice(1), "fragments are not permitted in the URL"),
    );
  if (u.search)
    errs.push(
      fieldErrors.invalid(
        field,
        u.search.slice(1),
        "query parameters are not permitted in the URL",
      ),
    );
  return errs;
}

/** matchConditions: at most 64, unique qualified names, expressions present. */
export function validateMatchConditions(
  v: unknown,
  field: string,
  variables: string[] = WEBHOOK_CEL,
): FieldError[] {
  const conds = objects(v);
  const errs: FieldError[] = [];
  if (conds.length > 64)
    errs.push({
      type: "FieldValueTooMany",
      field,
      message: `Too many: ${conds.length}: must have at most 64 items`,
    });
  const seen = new Set<string>();
  conds.forEach((c, i) => {
    const name = str(c.name);
    if (!name) errs.push(fieldErrors.required(`${field}[${i}].name`));
    else {
      for (const msg of isQualifiedName(name))
        errs.push(fieldErrors.invalid(`${field}[${i}].name`, name, msg));
      if (seen.has(name)) errs.push(fieldErrors.duplicate(`${field}[${i}].name`, name));
      seen.add(name);
    }
    if (!str(c.expression)) errs.push(fieldErrors.required(`${field}[${i}].expression`));
    errs.push(...celErrors(`${field}[${i}].expression`, c.expression, variables, ["bool"]));
  });
  return errs;
}

function validateWebhook(
  w: Record<string, unknown>,
  field: string,
  mutating: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(w.name);
  if (!name) errs.push(fieldErrors.required(`${field}.name`));
  else {
    for (const msg of isDNS1123Subdomain(name))
      errs.push(fieldErrors.invalid(`${field}.name`, name, msg));
    if (name.split(".").length < 3)
      errs.push(
        fieldErrors.invalid(
          `${field}.name`,
          name,
          "should be a domain with at least three segments separated by dots",
        ),
      );
  }
  objects(w.rules).forEach((r, i) => errs.push(...validateRule(r, `${field}.rules[${i}]`)));
  errs.push(...oneOf(`${field}.failurePolicy`, w.failurePolicy, ["Fail", "Ignore"]));
  errs.push(...oneOf(`${field}.matchPolicy`, w.matchPolicy, ["Equivalent", "Exact"]));
  errs.push(...oneOf(`${field}.sideEffects`, w.sideEffects, ["None", "NoneOnDryRun"], true));
  if (mutating)
    errs.push(...oneOf(`${field}.reinvocationPolicy`, w.reinvocationPolicy, ["IfNeeded", "Never"]));
  const t = w.timeoutSeconds;
  if (typeof t === "number" && (t > 30 || t < 1))
    errs.push(
      fieldErrors.invalid(
        `${field}.timeoutSeconds`,
        t,
        "the timeout value must be between 1 and 30 seconds",
      ),
    );
  errs.push(...validateLabelSelector(w.namespaceSelector, `${field}.namespaceSelector`));
  errs.push(...validateLabelSelector(w.objectSelector, `${field}.objectSelector`));
  errs.push(
    ...validateReviewVersions(
      strings(w.admissionReviewVersions),
      `${field}.admissionReviewVersions`,
    ),
  );
  errs.push(...validateClientConfig(obj(w.clientConfig), `${field}.clientConfig`));
  errs.push(...validateMatchConditions(w.matchConditions, `${field}.matchConditions`));
  return errs;
}

function validateReviewVersions(versions: string[], field: string): FieldError[] {
  const accepted = ["v1", "v1beta1"];
  if (versions.length === 0)
    return [fieldErrors.required(field, `must specify one of ${accepted.join(", ")}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    for (const msg of isDNS1035Label(v)) errs.push(fieldErrors.invalid(`${field}[${i}]`, v, msg));
    if (seen.has(v)) errs.push(fieldErrors.invalid(`${field}[${i}]`, v, "duplicate version"));
    seen.add(v);
  });
  if (!versions.some((v) => accepted.includes(v)))
    errs.push(
      invalidRendered(
        field,
        goSlice(versions),
        `must include at least one of ${accepted.join(", ")}`,
      ),
    );
  return errs;
}

/** A Mutating/ValidatingWebhookConfiguration. */
export function validateWebhookConfiguration(o: KObject, mutating: boolean): FieldError[] {
  const errs = meta(o);
  const seen = new Set<string>();
  objects(o.webhooks).forEach((w, i) => {
    const field = `webhooks[${i}]`;
    errs.push(...validateWebhook(w, field, mutating));
    const name = str(w.name);
    if (name && seen.has(name)) errs.push(fieldErrors.duplicate(`${field}.name`, name));
    seen.add(name);
  });
  return errs;
}

/**
 * x-kubernetes-validations: compiles each rule of a structural schema with
 * the Kubernetes CEL environment (variables self and oldSelf) and evaluates
 * them over a custom resource, correlating old values by property name, map
 * key and list-map keys for transition rules. Messages follow upstream.
 */
import type { CelProgram } from "../cel/index.ts";
import {
  costErrorMessage,
  PER_CALL_COST_LIMIT,
  RUNTIME_COST_BUDGET,
  STATIC_ESTIMATED_COST_LIMIT,
  STATIC_ESTIMATED_CRD_COST_LIMIT,
} from "../cel/cost.ts";
// CEL itself is loaded on first need (see src/cel/lazy.ts): rules are
// compiled and evaluated only in writes, after the API server's loadCel().
import { cel } from "../cel/lazy.ts";
import type { FieldError } from "../api/status.ts";
import { childPath, jsonEqual, jsonTypeName } from "./validate.ts";
import type { JSONSchemaProps, ValidationRule } from "./types.ts";

interface CompiledRule {
  rule: ValidationRule;
  program?: CelProgram;
  message?: CelProgram;
  /** Error text when the rule does not compile (upstream's detail, e.g. "compilation failed: ..."). */
  error?: string;
  /** Error text when the messageExpression does not compile ("messageExpression compilation failed: ..."). */
  messageError?: string;
}

/** Compiled rules per schema node: [nested nodes, resource roots]. */
const compiled = [
  new WeakMap<JSONSchemaProps, CompiledRule[]>(),
  new WeakMap<JSONSchemaProps, CompiledRule[]>(),
];
const VARIABLES = ["self", "oldSelf"];

/** Go's %#v rendering of a ValidationRule, as upstream prints it in CRD errors. */
export function goValidationRule(r: ValidationRule): string {
  const reason = r.reason
    ? `(*apiextensions.FieldValueErrorReason)("${r.reason}")`
    : "(*apiextensions.FieldValueErrorReason)(nil)";
  const oos = r.optionalOldSelf === undefined ? "(*bool)(nil)" : `(*bool)(${r.optionalOldSelf})`;
  return (
    `apiextensions.ValidationRule{Rule:${JSON.stringify(r.rule ?? "")}, Message:${JSON.stringify(r.message ?? "")}, ` +
    `MessageExpression:${JSON.stringify(r.messageExpression ?? "")}, Reason:${reason}, ` +
    `FieldPath:${JSON.stringify(r.fieldPath ?? "")}, OptionalOldSelf:${oos}}`
  );
}

/**
 * Compiles one rule as upstream: the rule must type-check and be exactly
 * bool ("cel expression must evaluate to a bool"; dyn is refused too), a
 * messageExpression exactly string.
 */
function compileRule(rule: ValidationRule, schema: JSONSchemaProps, root: boolean): CompiledRule {
  // At the resource root, kind, apiVersion and metadata.name/generateName
  // are readable (upstream's WithTypeAndObjectMeta); embedded resources get
  // the same from their x-kubernetes-embedded-resource.
  const typed = root ? cel().withTypeAndObjectMeta(schema) : schema;
  const types = { self: typed, oldSelf: typed };
  const c = cel().compile(String(rule.rule ?? ""), { variables: VARIABLES, types });
  if (!c.ok) return { rule, error: c.error.message };
  if (c.program.resultType !== "bool")
    return { rule, error: "cel expression must evaluate to a bool" };
  const entry: CompiledRule = { rule, program: c.program };
  if (rule.messageExpression) {
    const m = cel().compile(rule.messageExpression, { variables: VARIABLES, types });
    if (!m.ok) entry.messageError = `messageExpression ${m.error.message}`;
    else if (m.program.resultType !== "string")
      entry.messageError = "messageExpression must evaluate to a string";
    else entry.message = m.program;
  }
  return entry;
}

/** The compiled rules of one schema node (cached per node object); `root`: the resource's root schema. */
export function rulesOf(schema: JSONSchemaProps, root = false): CompiledRule[] {
  const cache = compiled[root ? 1 : 0]!;
  let out = cache.get(schema);
  if (!out) {
    out = (schema["x-kubernetes-validations"] ?? []).map((rule) => compileRule(rule, schema, root));
    cache.set(schema, out);
  }
  return out;
}

/** How many values one rule may run on: product of maxItems/maxProperties above; undefined when unbounded. */
type Cardinality = number | undefined;

/** Cardinality of a child of `s` (upstream's extractMaxElements). */
function childCardinality(s: JSONSchemaProps, parent: Cardinality): Cardinality {
  if (parent === undefined) return undefined;
  const max = s.type === "array" ? s.maxItems : s.type === "object" ? s.maxProperties : undefined;
  return max === undefined ? undefined : parent * Math.max(0, max);
}

/**
 * Compile problems of every rule in `schema`, with upstream's field paths
 * under `path`: compile and type errors, then estimated costs over
 * upstream's limits. A rule's estimated cost is its own cost times how many
 * values it can run on (the product of maxItems/maxProperties above it, or,
 * under an unbounded list or map, the request size over the value's
 * minimum size); each must stay under 10,000,000 and their sum (with
 * messageExpression costs) under 100,000,000, where the top 4 rules of at
 * least 1% of that limit are named.
 */
export function ruleCompileErrors(schema: JSONSchemaProps, path: string): FieldError[] {
  const out: FieldError[] = [];
  const costly: FieldError[] = [];
  let total = 0;
  let expensive: { field: string; cost: number }[] = [];
  const observe = (field: string, cost: number): void => {
    total += cost;
    if (cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100) return;
    expensive = [...expensive, { field, cost }].sort((a, b) => b.cost - a.cost).slice(0, 4);
  };
  const forbidden = (field: string, what: string, cost: number): FieldError => ({
    type: "FieldValueForbidden",
    field,
    message: `Forbidden: ${costErrorMessage(what, cost, STATIC_ESTIMATED_COST_LIMIT)}`,
  });
  const visit = (s: JSONSchemaProps, p: string, cardinality: Cardinality, root = false): void => {
    rulesOf(s, root).forEach((c, i) => {
      const base = `${p}.x-kubernetes-validations[${i}]`;
      if (c.program) {
        const cost = c.program.estimatedCost * (cardinality ?? cel().maxCardinality(s));
        if (cost > STATIC_ESTIMATED_COST_LIMIT)
          costly.push(forbidden(`${base}.rule`, "estimated rule cost", cost));
        observe(`${base}.rule`, cost);
      }
      if (c.error !== undefined)
        out.push({
          type: "FieldValueInvalid",
          field: `${base}.rule`,
          message: `Invalid value: ${goValidationRule(c.rule)}: ${c.error}`,
        });
      if (c.messageError !== undefined)
        costly.push({
          type: "FieldValueInvalid",
          field: `${base}.messageExpression`,
          message: `Invalid value: ${goValidationRule(c.rule)}: ${c.messageError}`,
        });
      else if (c.message) {
        const cost = c.message.estimatedCost;
        if (cost > STATIC_ESTIMATED_COST_LIMIT)
          costly.push(
            forbidden(`${base}.messageExpression`, "estimated messageExpression cost", cost),
          );
        observe(`${base}.messageExpression`, cost);
      }
    });
    for (const [k, ps] of Object.entries(s.properties ?? {}))
      visit(ps, `${p}.properties[${k}]`, cardinality);
    if (s.items) visit(s.items, `${p}.items`, childCardinality(s, cardinality));
    if (typeof s.additionalProperties === "object")
      visit(s.additionalProperties, `${p}.additionalProperties`, childCardinality(s, cardinality));
  };
  visit(schema, path, 1, true);
  out.push(...costly);
  if (total > STATIC_ESTIMATED_CRD_COST_LIMIT) {
    for (const e of expensive)
      out.push({
        type: "FieldValueForbidden",
        field: e.field,
        message:
          "Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
      });
    out.push({
      type: "FieldValueForbidden",
      field: path,
      message: `Forbidden: ${costErrorMessage("x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema", total, STATIC_ESTIMATED_CRD_COST_LIMIT)}`,
    });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function reasonError(
  reason: ValidationRule["reason"],
  field: string,
  typeName: string,
  detail: string,
): FieldError {
  switch (reason) {
    case "FieldValueForbidden":
      return { type: reason, field, message: `Forbidden: ${detail}` };
    case "FieldValueRequired":
      return { type: reason, field, message: `Required value: ${detail}` };
    case "FieldValueDuplicate":
      return {
        type: reason,
        field,
        message: `Duplicate value: ${JSON.stringify(typeName)}: ${detail}`,
      };
    default:
      return {
        type: "FieldValueInvalid",
        field,
        message: `Invalid value: ${JSON.stringify(typeName)}: ${detail}`,
      };
  }
}

interface Budget {
  remaining: number;
  exhausted: boolean;
  /** Only rules reading oldSelf (the non-transition ones already ran). */
  transitionOnly: boolean;
  /** Ratcheting: rules without oldSelf are skipped where the value equals its old value. */
  ratchet: boolean;
}

/**
 * Evaluates every rule over `value` (and `old` for transition rules; pass
 * undefined on create). Returns field errors; stops with upstream's budget
 * error when the per-object cost budget runs out. With `ratchet` (updates),
 * rules not reading oldSelf are not run on values equal to their old value.
 */
export function evaluateRules(
  schema: JSONSchemaProps,
  value: unknown,
  old: unknown,
  path = "",
  transitionOnly = false,
  ratchet = false,
): FieldError[] {
  const out: FieldError[] = [];
  const budget: Budget = {
    remaining: RUNTIME_COST_BUDGET,
    exhausted: false,
    transitionOnly,
    ratchet,
  };
  walk(schema, value, old, path, out, budget, true);
  return out;
}

function walk(
  s: JSONSchemaProps,
  v: unknown,
  old: unknown,
  path: string,
  out: FieldError[],
  budget: Budget,
  root = false,
): void {
  if (v === undefined || v === null || budget.exhausted) return;
  const unchanged = budget.ratchet && old !== undefined && jsonEqual(v, old);
  for (const c of rulesOf(s, root)) {
    if (budget.exhausted) return;
    if (!c.program) continue;
    const usesOld = c.program.references.has("oldSelf");
    if (usesOld && old === undefined) continue;
    if (budget.transitionOnly && !usesOld) continue;
    if (unchanged && !usesOld) continue;
    const bindings = usesOld ? { self: v, oldSelf: old } : { self: v };
    const schemas = { self: s, oldSelf: s };
    const r = c.program.evaluate(bindings, {
      costLimit: Math.min(PER_CALL_COST_LIMIT, budget.remaining),
      schemas,
    });
    budget.remaining -= r.cost;
    const field = c.rule.fieldPath ? childPath(path, c.rule.fieldPath.replace(/^\./, "")) : path;
    if (!r.ok) {
      if (r.error.code === "CEL_COST_LIMIT" && budget.remaining <= 0) {
        budget.exhausted = true;
        out.push({
          type: "FieldValueForbidden",
          field: path,
          message:
            "Forbidden: validation failed due to running out of cost budget, no further validation rules will be run",
        });
      } else if (r.error.code === "CEL_COST_LIMIT" || r.error.code === "CEL_TIMEOUT") {
        out.push({
          type: "FieldValueForbidden",
          field: path,
          message: `Forbidden: call cost exceeds limit for rule: ${c.rule.rule}`,
        });
      } else {
        out.push(
          reasonError(
            undefined,
            field,
            s.type ?? jsonTypeName(v),
            `${r.error.message} evaluating rule: ${c.rule.rule}`,
          ),
        );
      }
      continue;
    }
    if (r.value === true) continue;
    let detail = c.rule.message || `failed rule: ${c.rule.rule}`;
    if (c.message) {
      const m = c.message.evaluate(bindings, {
        costLimit: Math.min(PER_CALL_COST_LIMIT, Math.max(budget.remaining, 0)),
        schemas,
      });
      budget.remaining -= m.cost;
      const text = m.ok ? cel().fromCel(m.value) : undefined;
      if (typeof text === "string" && text.trim() !== "" && !text.includes("\n")) detail = text;
    }
    out.push(reasonError(c.rule.reason, field, s.type ?? jsonTypeName(v), detail));
  }
  if (Array.isArray(v) && s.items) {
    const keys =
      s["x-kubernetes-list-type"] === "map" ? (s["x-kubernetes-list-map-keys"] ?? []) : undefined;
    const olds = Array.isArray(old) ? old : [];
    v.forEach((item, i) => {
      let o: unknown;
      if (keys && isObject(item)) {
        o = olds.find(
          (x) => isObject(x) && keys.every((k) => JSON.stringify(x[k]) === JSON.stringify(item[k])),
        );
      } else if (s["x-kubernetes-list-type"] === "set") {
        o = olds.find((x) => JSON.stringify(x) === JSON.stringify(item));
      }
      walk(s.items!, item, o, `${path}[${i}]`, out, budget);
    });
  }
  if (isObject(v)) {
    const o = isObject(old) ? old : undefined;
    for (const [k, child] of Object.entries(v)) {
      const ps = s.properties?.[k];
      if (ps) walk(ps, child, o?.[k], childPath(path, k), out, budget);
      else if (typeof s.additionalProperties === "object")
        walk(s.additionalProperties, child, o?.[k], `${path}[${k}]`, out, budget);
    }
  }
}

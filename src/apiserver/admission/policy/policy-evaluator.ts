/**
 * Evaluates one ValidatingAdmissionPolicy against one request (and one
 * param) as upstream's validator: matchConditions first, then validations
 * (message, messageExpression, reason) and auditAnnotations. Variables are
 * lazy, as upstream's composition: a variable runs when an expression
 * first reads `variables.<name>` (each of matchConditions, validations,
 * messageExpressions and auditAnnotations has its own context), and a
 * failing one fails only the expressions that read it, with upstream's
 * `composited variable "x" fails to evaluate: ...`. Expressions declare
 * `params` only when the policy has a paramKind, and messageExpressions
 * get no `authorizer` (upstream's declarations); matchConditions see
 * `namespaceObject` as null (upstream's matcher passes no namespace).
 * Compiled programs are cached per policy object (cached objects are
 * immutable, so the object is the key).
 */
import type { CelProgram, CompileOptions, EvalResult } from "../../../cel/index.ts";
import { cel } from "../../../cel/lazy.ts";
import { RUNTIME_COST_BUDGET } from "../../../cel/cost.ts";
import type { KObject } from "../../../api/types.ts";
import {
  OUT_OF_BUDGET,
  compileConditionList,
  evaluateCompiledConditions,
  type CompiledCondition,
} from "../webhook/match-conditions.ts";

type Rec = Record<string, unknown>;
const objects = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);

/** Variables every policy expression may use (the type checker declares them all). */
export const POLICY_VARIABLES = [
  "object",
  "oldObject",
  "request",
  "params",
  "namespaceObject",
  "variables",
  "authorizer",
] as const;

/**
 * The variables upstream declares for a policy's expressions: `params`
 * only with a paramKind, `authorizer` unless `authorizer` is false
 * (messageExpressions), `variables` unless `variables` is false
 * (matchConditions at validation, compiled without composition).
 */
export function policyVariableNames(
  spec: Rec,
  opts: { authorizer?: boolean; variables?: boolean } = {},
): string[] {
  return POLICY_VARIABLES.filter(
    (v) =>
      (v !== "params" || (typeof spec.paramKind === "object" && spec.paramKind !== null)) &&
      (v !== "authorizer" || opts.authorizer !== false) &&
      (v !== "variables" || opts.variables !== false),
  );
}

/** Upstream's cap on a messageExpression's result (celconfig.MaxEvaluatedMessageExpressionSizeBytes). */
export const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;
/** Upstream's cap on an audit annotation value (longer values are cut). */
export const MAX_AUDIT_ANNOTATION_VALUE_BYTES = 10 * 1024;

/** One failed (or erroring) validation. */
export interface ValidationFailure {
  message: string;
  /** Status reason: the validation's reason, default Invalid. */
  reason: string;
  expressionIndex: number;
  /** True when the expression errored rather than evaluated to false. */
  error: boolean;
}

export type PolicyEvaluation =
  | { skipped: true }
  | { skipped: false; matchError: string }
  | {
      skipped: false;
      matchError?: undefined;
      failures: ValidationFailure[];
      auditAnnotations: Record<string, string>;
      /** auditAnnotations that errored (upstream denies on them under failurePolicy Fail). */
      auditErrors: string[];
    };

type Program = { program?: CelProgram; error?: string };
interface CompiledPolicy {
  variables: Map<string, Program>;
  conditions: CompiledCondition[];
  validations: { expression: string; message: string; reason: string; p: Program; m?: Program }[];
  audits: { key: string; expression: string; p: Program }[];
}

const compiled = new WeakMap<KObject, CompiledPolicy>();

/** The policy's variables as named expressions. */
export function policyVariables(spec: Rec): { name: string; expression: string }[] {
  return objects(spec.variables).map((v) => ({
    name: String(v.name ?? ""),
    expression: String(v.expression ?? ""),
  }));
}

/** A compiled expression; with `returns`, one of another static type is an error (as upstream's compiler). */
function toProgram(r: ReturnType<ReturnType<typeof cel>["compile"]>, returns?: string[]): Program {
  if (!r.ok) return { error: r.error.message };
  const wrong = returns && cel().returnTypeError(r.program, returns);
  return wrong ? { error: wrong } : { program: r.program };
}

/**
 * Compiles the policy's expressions (cached), `variables` typed by the
 * variables' expressions as upstream's composition types them.
 */
export function compilePolicy(policy: KObject): CompiledPolicy {
  let c = compiled.get(policy);
  if (c) return c;
  const spec = (policy.spec ?? {}) as Rec;
  const vars = policyVariables(spec);
  const composed = cel().compileVariables(vars, { variables: policyVariableNames(spec) });
  const options = composed.options;
  const messageOptions: CompileOptions = {
    ...options,
    variables: policyVariableNames(spec, { authorizer: false }),
  };
  const prog = (source: string, o: CompileOptions, returns: string[]): Program =>
    toProgram(cel().compile(source, o), returns);
  c = {
    variables: new Map(vars.map((v, i) => [v.name, toProgram(composed.results[i]!)])),
    conditions: compileConditionList(objects(spec.matchConditions), options),
    validations: objects(spec.validations).map((v) => ({
      expression: String(v.expression ?? ""),
      message: typeof v.message === "string" ? v.message : "",
      reason: typeof v.reason === "string" && v.reason ? v.reason : "Invalid",
      p: prog(String(v.expression ?? ""), options, ["bool"]),
      m:
        typeof v.messageExpression === "string" && v.messageExpression.trim()
          ? prog(v.messageExpression, messageOptions, ["string"])
          : undefined,
    })),
    audits: objects(spec.auditAnnotations).map((a) => ({
      key: String(a.key),
      expression: String(a.valueExpression ?? ""),
      p: prog(String(a.valueExpression ?? ""), options, ["string", "null_type"]),
    })),
  };
  compiled.set(policy, c);
  return c;
}

/**
 * One composition context: `bindings` plus `variables`, a lazy map whose
 * entries run the policy's variables (against these same bindings) on
 * first read.
 */
function withVariables(c: CompiledPolicy, bindings: Rec, budget?: Budget): Rec {
  const env: Rec = { ...bindings };
  env.variables = cel().lazyCelMap([...c.variables.keys()], (name) => {
    const p = c.variables.get(name)!;
    if (!p.program)
      return { ok: false, message: `composited variable "${name}" fails to compile: ${p.error}` };
    const r = p.program.evaluate(env);
    if (budget) budget.variables += r.cost;
    return r.ok
      ? { ok: true, value: r.value }
      : {
          ok: false,
          message: `composited variable "${name}" fails to evaluate: ${r.error.message}`,
        };
  });
  return env;
}

export { OUT_OF_BUDGET };

/**
 * The runtime cost budget of one set of expressions (upstream's
 * RuntimeCELCostBudget, 10,000,000): every expression's cost plus that of
 * the variables it made run.
 */
class Budget {
  variables = 0;
  constructor(public remaining: number) {}
  /** Charges one evaluation; OUT_OF_BUDGET once the budget is spent. */
  charge = (cost: number): string | undefined => {
    this.remaining -= cost + this.variables;
    this.variables = 0;
    return this.remaining < 0 ? OUT_OF_BUDGET : undefined;
  };
}

/**
 * Evaluates the policy with the request's bindings (object, oldObject,
 * request, params, ...). Each of matchConditions, validations (then
 * messageExpressions with what validations left) and auditAnnotations has
 * a runtime budget of `budget` (upstream's RuntimeCELCostBudget; smaller
 * in tests); running out fails the policy's evaluation with OUT_OF_BUDGET.
 */
export function evaluatePolicy(
  policy: KObject,
  bindings: Rec,
  budget = RUNTIME_COST_BUDGET,
): PolicyEvaluation {
  const c = compilePolicy(policy);
  if (c.conditions.length > 0) {
    const b = new Budget(budget);
    const match = evaluateCompiledConditions(
      c.conditions,
      withVariables(c, { ...bindings, namespaceObject: null }, b),
      b.charge,
    );
    if ("error" in match) return { skipped: false, matchError: match.error };
    if (!match.matched) return { skipped: true };
  }
  const spent = new Budget(budget);
  const env = withVariables(c, bindings, spent);
  const { authorizer: _authorizer, ...withoutAuthorizer } = bindings;
  const outOfBudget = (): PolicyEvaluation => ({
    skipped: false,
    failures: [{ message: OUT_OF_BUDGET, reason: "Invalid", expressionIndex: -1, error: true }],
    auditAnnotations: {},
    auditErrors: [],
  });
  let failures: ValidationFailure[] = [];
  const denied: { v: CompiledPolicy["validations"][number]; i: number }[] = [];
  for (const [i, v] of c.validations.entries()) {
    const fail = (message: string, error: boolean) =>
      failures.push({ message, reason: v.reason, expressionIndex: i, error });
    if (!v.p.program) {
      fail(`compilation error: ${v.p.error}`, true);
      continue;
    }
    const r = v.p.program.evaluate(env);
    if (spent.charge(r.cost)) return outOfBudget();
    if (!r.ok) fail(`expression '${v.expression}' resulted in error: ${r.error.message}`, true);
    else if (r.value !== true) {
      denied.push({ v, i });
      failures.push({ message: "", reason: v.reason, expressionIndex: i, error: false });
    }
  }
  // Messages of the denials, from what the validations left of the budget.
  if (denied.length > 0) {
    const messages = new Budget(Math.max(spent.remaining, 0));
    const messageEnv = withVariables(c, withoutAuthorizer, messages);
    for (const { v, i } of denied) {
      const m = v.m?.program?.evaluate(messageEnv);
      if (m && messages.charge(m.cost)) {
        // As upstream: every validation that did not error becomes this error.
        const errored = new Set(failures.filter((f) => f.error).map((f) => f.expressionIndex));
        failures = c.validations.map((x, j) =>
          errored.has(j)
            ? failures.find((f) => f.expressionIndex === j)!
            : {
                message: `failed messageExpression: ${OUT_OF_BUDGET}`,
                reason: x.reason,
                expressionIndex: j,
                error: true,
              },
        );
        break;
      }
      failures.find((f) => f.expressionIndex === i)!.message = failureMessage(v, m);
    }
  }
  const audits = new Budget(budget);
  const auditEnv = withVariables(c, withoutAuthorizer, audits);
  const auditAnnotations: Record<string, string> = {};
  const auditErrors: string[] = [];
  for (const a of c.audits) {
    if (!a.p.program) {
      auditErrors.push(`compilation error: ${a.p.error}`);
      continue;
    }
    const r = a.p.program.evaluate(auditEnv);
    if (audits.charge(r.cost)) return outOfBudget();
    if (!r.ok) {
      auditErrors.push(`expression '${a.expression}' resulted in error: ${r.error.message}`);
      continue;
    }
    if (r.value === null) continue;
    if (typeof r.value !== "string") {
      auditErrors.push(
        `valueExpression '${a.expression}' resulted in unsupported return type: ${cel().celTypeName(r.value)}. Return type must be either string or null.`,
      );
      continue;
    }
    const value = r.value.trim();
    if (value !== "")
      auditAnnotations[`${policy.metadata?.name ?? ""}/${a.key}`] = cutBytes(
        value,
        MAX_AUDIT_ANNOTATION_VALUE_BYTES,
      );
  }
  return { skipped: false, failures, auditAnnotations, auditErrors };
}

/** `s` cut to at most `max` UTF-8 bytes (as Go slices a string). */
function cutBytes(s: string, max: number): string {
  const b = Buffer.from(s);
  return b.length <= max ? s : b.subarray(0, max).toString();
}

/**
 * Upstream's failure message: the messageExpression's result (trimmed)
 * when it is a non-empty single-line string of at most 5 KiB, else the
 * message (trimmed), else `failed expression: <expression>`.
 */
function failureMessage(
  v: CompiledPolicy["validations"][number],
  m: EvalResult | undefined,
): string {
  if (m?.ok && typeof m.value === "string") {
    const text = m.value.trim();
    if (
      text !== "" &&
      !text.includes("\n") &&
      Buffer.byteLength(text) <= MAX_MESSAGE_EXPRESSION_BYTES
    )
      return text;
  }
  if (v.message.trim()) return v.message.trim();
  return `failed expression: ${v.expression.trim()}`;
}

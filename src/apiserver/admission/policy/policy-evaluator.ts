/**
 * Evaluates one ValidatingAdmissionPolicy against one request (and one
 * param): matchConditions, then variables (in order; each sees the earlier
 * ones as `variables.<name>`), validations (message, messageExpression,
 * reason) and auditAnnotations, with src/cel. Compiled programs are cached
 * per policy object (cached objects are immutable, so the object is the key).
 */
import type { CelProgram } from "../../../cel/index.ts";
import { cel } from "../../../cel/lazy.ts";
import type { KObject } from "../../../api/types.ts";
import { evaluateConditions } from "../webhook/match-conditions.ts";

type Rec = Record<string, unknown>;
const objects = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);

/** Variables every policy expression may use. */
export const POLICY_VARIABLES = [
  "object",
  "oldObject",
  "request",
  "params",
  "namespaceObject",
  "variables",
  "authorizer",
] as const;

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
    };

type Program = { program?: CelProgram; error?: string };
interface CompiledPolicy {
  variables: { name: string; p: Program }[];
  validations: { expression: string; message: string; reason: string; p: Program; m?: Program }[];
  audits: { key: string; p: Program }[];
}

const compiled = new WeakMap<KObject, CompiledPolicy>();

/** The policy's variables as named expressions. */
export function policyVariables(spec: Rec): { name: string; expression: string }[] {
  return objects(spec.variables).map((v) => ({
    name: String(v.name ?? ""),
    expression: String(v.expression ?? ""),
  }));
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
  const composed = cel().compileVariables(vars, { variables: POLICY_VARIABLES });
  const prog = (source: string): Program => {
    const r = cel().compile(source, composed.options);
    return r.ok ? { program: r.program } : { error: r.error.message };
  };
  c = {
    variables: vars.map((v, i) => {
      const r = composed.results[i]!;
      return { name: v.name, p: r.ok ? { program: r.program } : { error: r.error.message } };
    }),
    validations: objects(spec.validations).map((v) => ({
      expression: String(v.expression ?? ""),
      message: typeof v.message === "string" ? v.message : "",
      reason: typeof v.reason === "string" && v.reason ? v.reason : "Invalid",
      p: prog(String(v.expression ?? "")),
      m:
        typeof v.messageExpression === "string" && v.messageExpression
          ? prog(v.messageExpression)
          : undefined,
    })),
    audits: objects(spec.auditAnnotations).map((a) => ({
      key: String(a.key),
      p: prog(String(a.valueExpression ?? "")),
    })),
  };
  compiled.set(policy, c);
  return c;
}

/** Evaluates the policy with the request's bindings (object, oldObject, request, params, ...). */
export function evaluatePolicy(policy: KObject, bindings: Rec): PolicyEvaluation {
  const spec = (policy.spec ?? {}) as Rec;
  const match = evaluateConditions(spec.matchConditions, POLICY_VARIABLES, bindings);
  if ("error" in match) return { skipped: false, matchError: match.error };
  if (!match.matched) return { skipped: true };
  const c = compilePolicy(policy);
  const variables: Rec = {};
  const env = { ...bindings, variables };
  for (const v of c.variables) {
    const r = v.p.program?.evaluate(env);
    if (r?.ok) variables[v.name] = cel().fromCel(r.value);
  }
  const failures: ValidationFailure[] = [];
  c.validations.forEach((v, i) => {
    if (!v.p.program) {
      failures.push({
        message: `compilation error: ${v.p.error}`,
        reason: v.reason,
        expressionIndex: i,
        error: true,
      });
      return;
    }
    const r = v.p.program.evaluate(env);
    if (!r.ok) {
      failures.push({
        message: `expression '${v.expression}' resulted in error: ${r.error.message}`,
        reason: v.reason,
        expressionIndex: i,
        error: true,
      });
      return;
    }
    if (r.value === true) return;
    if (r.value !== false) {
      failures.push({
        message: `expression '${v.expression}' resulted in error: must evaluate to bool`,
        reason: v.reason,
        expressionIndex: i,
        error: true,
      });
      return;
    }
    failures.push({
      message: failureMessage(v, env),
      reason: v.reason,
      expressionIndex: i,
      error: false,
    });
  });
  const auditAnnotations: Record<string, string> = {};
  for (const a of c.audits) {
    const r = a.p.program?.evaluate(env);
    if (r?.ok && typeof r.value === "string" && r.value !== "")
      auditAnnotations[`${policy.metadata?.name ?? ""}/${a.key}`] = r.value;
  }
  return { skipped: false, failures, auditAnnotations };
}

/** messageExpression (when it yields a usable string), else message, else `failed expression: <expr>`. */
function failureMessage(v: CompiledPolicy["validations"][number], env: Rec): string {
  if (v.m?.program) {
    const r = v.m.program.evaluate(env);
    if (r.ok && typeof r.value === "string" && r.value.trim() !== "" && !r.value.includes("\n"))
      return r.value;
  }
  if (v.message) return v.message;
  return `failed expression: ${v.expression}`;
}

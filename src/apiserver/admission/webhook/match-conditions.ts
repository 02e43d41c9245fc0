/**
 * matchConditions of webhooks and admission policies, evaluated with
 * src/cel as upstream: any condition false → no match; otherwise any error
 * (compile or runtime) → an error for the failure policy; else match.
 * Compiled programs are cached per condition list (configuration objects
 * from the ObjectCache are immutable, so the list itself is the key).
 * Errors read as upstream's condition evaluator words them
 * (`compilation error: ...`, `expression '...' resulted in error: ...`),
 * several joined as Go's error aggregate (`[a, b]`).
 */
import type { CelProgram, CompileOptions } from "../../../cel/index.ts";
import { RUNTIME_COST_BUDGET } from "../../../cel/cost.ts";
import { cel } from "../../../cel/lazy.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";

type Rec = Record<string, unknown>;

export type MatchOutcome =
  { matched: true } | { matched: false; condition: string } | { error: string };

/**
 * Variables of webhook match conditions (upstream declares namespaceObject
 * too; its matcher binds it to null).
 */
export const WEBHOOK_VARIABLES = [
  "object",
  "oldObject",
  "request",
  "namespaceObject",
  "authorizer",
] as const;

/** One compiled condition. */
export type CompiledCondition = {
  name: string;
  expression: string;
  program?: CelProgram;
  error?: string;
};
const compiledLists = new WeakMap<object, CompiledCondition[]>();

/** Compiles conditions (no caching); needs loadCel() resolved. */
export function compileConditionList(
  conditions: Rec[],
  options: CompileOptions,
): CompiledCondition[] {
  return conditions.map((c) => {
    const expression = String(c.expression ?? "");
    const r = cel().compile(expression, options);
    const name = String(c.name ?? "");
    if (!r.ok) return { name, expression, error: r.error.message };
    // As upstream's compiler, a condition must be typed bool.
    const wrong = cel().returnTypeError(r.program, ["bool"]);
    return wrong ? { name, expression, error: wrong } : { name, expression, program: r.program };
  });
}

/** Compiles (once per list object) the conditions; needs loadCel() resolved. */
export function compileConditions(
  conditions: Rec[],
  variables: readonly string[],
): CompiledCondition[] {
  let out = compiledLists.get(conditions);
  if (!out) {
    out = compileConditionList(conditions, { variables });
    compiledLists.set(conditions, out);
  }
  return out;
}

/** The `authorizer` binding for a request (checks are answered under withAsyncAuthorizer, else denied). */
export function authorizerFor(attrs: AdmissionAttributes): unknown {
  return cel().authorizerValue({
    user: attrs.user.username,
    requestResource: {
      group: attrs.def.group,
      resource: attrs.def.resource,
      subresource: attrs.subresource,
      namespace: attrs.namespace,
      name: attrs.name,
    },
  });
}

/** Upstream's error when a set of expressions runs out of its runtime cost budget. */
export const OUT_OF_BUDGET =
  "validation failed due to running out of cost budget, no further validation rules will be run";

/**
 * Evaluates a webhook's conditions against bindings, within one runtime
 * cost budget for all of them (upstream's 10,000,000 by default).
 */
export function evaluateConditions(
  conditions: unknown,
  variables: readonly string[],
  bindings: Record<string, unknown>,
  budget = RUNTIME_COST_BUDGET,
): MatchOutcome {
  if (!Array.isArray(conditions) || conditions.length === 0) return { matched: true };
  let remaining = budget;
  return evaluateCompiledConditions(
    compileConditions(conditions as Rec[], variables),
    bindings,
    (cost) => ((remaining -= cost) < 0 ? OUT_OF_BUDGET : undefined),
  );
}

/**
 * Evaluates compiled conditions: any false → no match (even after an
 * error), else any error → error, else match. `charge` is told each
 * evaluation's cost and may end the evaluation with an error (a budget).
 */
export function evaluateCompiledConditions(
  conditions: readonly CompiledCondition[],
  bindings: Record<string, unknown>,
  charge?: (cost: number) => string | undefined,
): MatchOutcome {
  const errors: string[] = [];
  for (const c of conditions) {
    if (!c.program) {
      errors.push(`compilation error: ${c.error}`);
      continue;
    }
    const r = c.program.evaluate(bindings);
    // `charge` (a runtime budget) may stop everything with an error.
    const over = charge?.(r.cost);
    if (over !== undefined) return { error: over };
    if (!r.ok) errors.push(`expression '${c.expression}' resulted in error: ${r.error.message}`);
    // Only false stops a match: like upstream's matcher, a (dyn) non-bool result counts as true.
    else if (r.value === false) return { matched: false, condition: c.name };
  }
  if (errors.length === 0) return { matched: true };
  return { error: errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]` };
}

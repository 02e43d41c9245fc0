/**
 * matchConditions of webhooks and admission policies, evaluated with
 * src/cel as upstream: any condition false → no match; otherwise any error
 * (compile or runtime) → an error for the failure policy; else match.
 * Compiled programs are cached per condition list (configuration objects
 * from the ObjectCache are immutable, so the list itself is the key).
 */
import type { CelProgram } from "../../../cel/index.ts";
import { cel } from "../../../cel/lazy.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";

type Rec = Record<string, unknown>;

export type MatchOutcome =
  { matched: true } | { matched: false; condition: string } | { error: string };

/** Variables of webhook match conditions. */
export const WEBHOOK_VARIABLES = ["object", "oldObject", "request", "authorizer"] as const;

type Compiled = { name: string; program?: CelProgram; error?: string };
const compiledLists = new WeakMap<object, Compiled[]>();

/** Compiles (once per list object) the conditions; needs loadCel() resolved. */
export function compileConditions(conditions: Rec[], variables: readonly string[]): Compiled[] {
  let out = compiledLists.get(conditions);
  if (!out) {
    out = conditions.map((c) => {
      const r = cel().compile(String(c.expression ?? ""), { variables });
      return r.ok
        ? { name: String(c.name ?? ""), program: r.program }
        : { name: String(c.name ?? ""), error: r.error.message };
    });
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

/** Evaluates conditions against bindings. */
export function evaluateConditions(
  conditions: unknown,
  variables: readonly string[],
  bindings: Record<string, unknown>,
): MatchOutcome {
  if (!Array.isArray(conditions) || conditions.length === 0) return { matched: true };
  const errors: string[] = [];
  for (const c of compileConditions(conditions as Rec[], variables)) {
    if (!c.program) {
      errors.push(`compilation failed for matchCondition "${c.name}": ${c.error}`);
      continue;
    }
    const r = c.program.evaluate(bindings);
    if (!r.ok) errors.push(`matchCondition "${c.name}": ${r.error.message}`);
    else if (r.value === false) return { matched: false, condition: c.name };
    else if (r.value !== true)
      errors.push(`matchCondition "${c.name}" evaluated to a non-bool result`);
  }
  return errors.length > 0 ? { error: errors.join("; ") } : { matched: true };
}

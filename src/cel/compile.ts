/**
 * compile(): parse, check and plan a Kubernetes CEL expression; the program
 * evaluates against JSON bindings under a cost budget and a time limit.
 */
import { isCelError, isCelList, isCelMap, parse, plan } from "@bufbuild/cel";
import type { CelInput, CelValue } from "@bufbuild/cel";
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { checkExpr, location } from "./check.ts";
import { analyze } from "./typecheck.ts";
import { DYN, opaqueOf, typeOfSchema, type T, type TypeSchema } from "./types.ts";
import { NAMESPACE_TYPE, REQUEST_TYPE } from "./admission-types.ts";
import { currentAuthorizer, withEvalContext, type CelAuthorizer } from "./context.ts";
import { CostTracker, DEFAULT_EVAL_TIMEOUT_MS, PER_CALL_COST_LIMIT } from "./cost.ts";
import { CelCompileError, CelCostError, CelEvalError, type CelIssue } from "./errors.ts";
import { COST_HOOK, kubernetesEnv } from "./environment.ts";
import { toCel, type CelSchemaHint } from "./values.ts";
import { expandOptionals } from "./optional-macros.ts";
import { expandTwoVarComprehensions } from "./two-var-comprehensions.ts";
import { chainOptionals, rewriteOptionalSyntax, type Rewritten } from "./optional-syntax.ts";

/** Options of compile(). */
export interface CompileOptions {
  /** Variables the expression may use, e.g. ["self", "oldSelf"]. */
  variables: readonly string[];
  /**
   * OpenAPI schemas of variables (CRD rules: self and oldSelf). The
   * expression is type-checked (undefined fields, overload mismatches are
   * compile errors) and its cost estimated against them; variables without
   * a schema are dyn, except `request` and `namespaceObject` (upstream's
   * admission types) and `authorizer`.
   */
  types?: Readonly<Record<string, TypeSchema | undefined>>;
  /**
   * Static types of variables, taking precedence over `types` (admission:
   * `variables` as variablesType() builds it; another program's staticType).
   */
  staticTypes?: Readonly<Record<string, T | undefined>>;
}

/** Conversion hints of the admission variables upstream types (timestamps stay timestamps). */
const DEFAULT_HINTS: Readonly<Record<string, CelSchemaHint>> = {
  request: REQUEST_TYPE,
  namespaceObject: NAMESPACE_TYPE,
};

/** Static types of the variables: schemas given, else upstream's admission types, else dyn. */
function variableTypes(options: CompileOptions): Record<string, T> {
  const out: Record<string, T> = {};
  for (const v of options.variables) {
    const schema = options.types?.[v];
    const declared = options.staticTypes?.[v];
    if (declared) out[v] = declared;
    else if (schema) out[v] = typeOfSchema(schema);
    else if (v === "request") out[v] = typeOfSchema(REQUEST_TYPE);
    else if (v === "namespaceObject") out[v] = typeOfSchema(NAMESPACE_TYPE);
    else if (v === "authorizer") out[v] = opaqueOf("kubernetes.authorization.Authorizer");
    else out[v] = DYN;
  }
  return out;
}

/**
 * Upstream's check of a compiled expression's result type (admission
 * expressions): undefined when `program` returns one of `allowed` (cel-go
 * names: "bool", "string", "null_type"; "any" allows everything), else
 * "must evaluate to bool but got dyn" / "must evaluate to one of [string null_type] but got int".
 */
export function returnTypeError(
  program: CelProgram,
  allowed: readonly string[],
): string | undefined {
  if (allowed.includes("any") || allowed.includes(program.resultType)) return undefined;
  const want = allowed.length === 1 ? allowed[0] : `one of [${allowed.join(" ")}]`;
  return `must evaluate to ${want} but got ${program.resultType}`;
}

/** Options of one evaluation. */
export interface EvalOptions {
  /** Runtime cost budget (default PER_CALL_COST_LIMIT, upstream's 1,000,000). */
  costLimit?: number;
  /** Wall-clock limit in ms (default 1000). */
  timeoutMs?: number;
  /** Clock for the time limit (tests inject one). */
  now?: () => number;
  /** Authorizer for the `authorizer` library (default: deny everything). */
  authorizer?: CelAuthorizer;
  /** Schema hints per variable for JSON → CEL conversion (type: number stays double). */
  schemas?: Readonly<Record<string, CelSchemaHint | undefined>>;
}

/** Outcome of an evaluation; `cost` is the runtime cost charged. */
export type EvalResult =
  | { ok: true; value: CelValue; cost: number }
  | { ok: false; error: CelEvalError | CelCostError; cost: number };

/** A compiled expression; reusable and safe to evaluate many times. */
export interface CelProgram {
  readonly source: string;
  /** Declared variables the expression references (e.g. has "oldSelf" for transition rules). */
  readonly references: ReadonlySet<string>;
  /** Static result type as cel-go names it ("bool", "string", "dyn", "list(int)", ...). */
  readonly resultType: string;
  /** The static result type, for declaring variables of this type (staticTypes). */
  readonly staticType: T;
  /** Estimated worst-case cost (sizes from `types`, else upstream's request-size bounds). */
  readonly estimatedCost: number;
  /**
   * Evaluates with `bindings` (JSON values, or values already in CEL form such
   * as authorizerValue()). Unbound variables are errors when read.
   */
  evaluate(bindings: Readonly<Record<string, unknown>>, options?: EvalOptions): EvalResult;
}

/** Outcome of compile(). */
export type CompileResult =
  { ok: true; program: CelProgram } | { ok: false; error: CelCompileError };

let hookIds = 1n << 40n;

/**
 * Nodes of `e` that cost 1 each time they are evaluated, as in cel-go's
 * runtime cost (identifiers, selections, calls, list and map literals;
 * constants are free; nested comprehensions charge their own iterations).
 */
function runtimeNodes(e: Expr | undefined): number {
  if (!e) return 0;
  const k = e.exprKind;
  switch (k.case) {
    case "identExpr":
      return 1;
    case "selectExpr":
      return 1 + runtimeNodes(k.value.operand);
    case "callExpr":
      return (
        1 + runtimeNodes(k.value.target) + k.value.args.reduce((s, a) => s + runtimeNodes(a), 0)
      );
    case "listExpr":
      return 1 + k.value.elements.reduce((s, a) => s + runtimeNodes(a), 0);
    case "structExpr":
      return k.value.entries.reduce(
        (s, en) =>
          s +
          runtimeNodes(en.value) +
          (en.keyKind.case === "mapKey" ? runtimeNodes(en.keyKind.value) : 0),
        1,
      );
    case "comprehensionExpr":
      return runtimeNodes(k.value.iterRange) + runtimeNodes(k.value.accuInit);
    default:
      return 0;
  }
}

/**
 * Wraps each comprehension's loop condition in the cost hook, which charges
 * per iteration 1 plus the nodes of the loop condition and step.
 */
function instrument(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr":
      instrument(k.value.operand);
      return;
    case "callExpr":
      instrument(k.value.target);
      k.value.args.forEach(instrument);
      return;
    case "listExpr":
      k.value.elements.forEach(instrument);
      return;
    case "structExpr":
      for (const en of k.value.entries) {
        if (en.keyKind.case === "mapKey") instrument(en.keyKind.value);
        instrument(en.value);
      }
      return;
    case "comprehensionExpr": {
      const c = k.value;
      const perIteration = 1 + runtimeNodes(c.loopCondition) + runtimeNodes(c.loopStep);
      [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].forEach(instrument);
      const cond = c.loopCondition;
      const charge = {
        $typeName: "cel.expr.Expr",
        id: hookIds++,
        exprKind: {
          case: "constExpr",
          value: {
            $typeName: "cel.expr.Constant",
            constantKind: { case: "int64Value", value: BigInt(perIteration) },
          },
        },
      } as Expr;
      c.loopCondition = {
        $typeName: "cel.expr.Expr",
        id: hookIds++,
        exprKind: {
          case: "callExpr",
          value: {
            $typeName: "cel.expr.Expr.Call",
            function: COST_HOOK,
            args: cond ? [cond, charge] : [charge],
          },
        },
      } as Expr;
      return;
    }
    default:
      return;
  }
}

function syntaxIssue(e: unknown): CelIssue {
  const err = e as {
    rawMessage?: string;
    message?: string;
    location?: { start?: { line: number; column: number } };
  };
  const start = err.location?.start;
  const message =
    err.rawMessage ?? String(err.message ?? e).replace(/^syntax error: (<input>:\d+:\d+: )?/, "");
  return {
    kind: "syntax",
    line: start?.line ?? 1,
    column: start?.column ?? 1,
    message: `Syntax error: ${message}`,
  };
}

/** An issue located in the rewritten text, moved to the original text's line and column. */
function toOriginal(issue: CelIssue, rewritten: Rewritten, source: string): CelIssue {
  if (!rewritten.changed) return issue;
  const lines = rewritten.text.split("\n");
  let offset = issue.column - 1;
  for (let l = 0; l < issue.line - 1 && l < lines.length; l++) offset += lines[l]!.length + 1;
  const at = rewritten.origin[Math.min(offset, rewritten.origin.length - 1)] ?? 0;
  return { ...issue, ...location(source, at) };
}

/** Upstream (cel-go) wording for common runtime errors. */
function evalMessage(message: string): string {
  const m = /^field not found: (.*)$/.exec(message) ?? /^key not found: (.*)$/.exec(message);
  if (m) return `no such key: ${m[1]}`;
  if (message === "unresolved attribute") return "no such attribute";
  return message;
}

function bindValue(v: unknown, hint: CelSchemaHint | undefined): CelInput {
  if (isCelMap(v) || isCelList(v)) return v;
  return toCel(v, hint);
}

/**
 * Compiles `source` for the declared variables. Errors come back as a
 * CelCompileError whose message reads like cel-go's
 * ("compilation failed: ERROR: <input>:1:1: undeclared reference to 'x' (in container '')").
 */
export function compile(source: string, options: CompileOptions): CompileResult {
  const { env, functions } = kubernetesEnv(options.variables);
  const rewritten = rewriteOptionalSyntax(source);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rewritten.text);
  } catch (e) {
    return {
      ok: false,
      error: new CelCompileError(source, [toOriginal(syntaxIssue(e), rewritten, source)]),
    };
  }
  if (rewritten.changed) chainOptionals(parsed.expr);
  expandOptionals(parsed.expr);
  expandTwoVarComprehensions(parsed.expr);
  const report = checkExpr(rewritten.text, parsed, new Set(options.variables), functions);
  if (report.issues.length > 0) {
    const issues = report.issues.map((i) => toOriginal(i, rewritten, source));
    return { ok: false, error: new CelCompileError(source, issues) };
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const typed = analyze(rewritten.text, parsed.expr, positions, variableTypes(options));
  if (typed.issues.length > 0) {
    const issues = typed.issues.map((i) => toOriginal(i, rewritten, source));
    return { ok: false, error: new CelCompileError(source, issues) };
  }
  instrument(parsed.expr);
  let run: (ctx: Record<string, CelInput>) => unknown;
  try {
    run = plan(env, parsed) as unknown as typeof run;
  } catch (e) {
    const issue: CelIssue = { kind: "syntax", line: 1, column: 1, message: (e as Error).message };
    return { ok: false, error: new CelCompileError(source, [issue]) };
  }
  const declared = new Set(options.variables);
  const program: CelProgram = {
    source,
    references: report.references,
    resultType: typed.resultType,
    staticType: typed.type,
    estimatedCost: typed.cost,
    evaluate(bindings, opts = {}) {
      const tracker = new CostTracker({
        limit: opts.costLimit ?? PER_CALL_COST_LIMIT,
        timeoutMs: opts.timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS,
        now: opts.now,
      });
      const authorizer = opts.authorizer ?? currentAuthorizer();
      return withEvalContext({ tracker, authorizer }, (): EvalResult => {
        let out: unknown;
        try {
          tracker.charge(report.nodes);
          const ctx: Record<string, CelInput> = {};
          for (const [k, v] of Object.entries(bindings)) {
            if (declared.has(k) && v !== undefined)
              ctx[k] = bindValue(v, opts.schemas?.[k] ?? DEFAULT_HINTS[k]);
          }
          out = run(ctx);
        } catch (e) {
          if (!(e instanceof CelCostError))
            return {
              ok: false,
              error: new CelEvalError(String((e as Error).message ?? e)),
              cost: tracker.cost,
            };
        }
        if (tracker.stopped) return { ok: false, error: tracker.stopped, cost: tracker.cost };
        if (isCelError(out))
          return {
            ok: false,
            error: new CelEvalError(evalMessage(out.message)),
            cost: tracker.cost,
          };
        return { ok: true, value: out as CelValue, cost: tracker.cost };
      });
    },
  };
  return { ok: true, program };
}

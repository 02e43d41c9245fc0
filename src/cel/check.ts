/**
 * Static checks @bufbuild/cel's planner does not make: every identifier is a
 * declared variable or a comprehension variable in scope, and every called
 * function exists. Also counts nodes (the base cost of an evaluation) and
 * collects which declared variables are referenced.
 */
import type { Expr, ParsedExpr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import type { CelIssue } from "./errors.ts";

/** What the walk found. */
export interface CheckReport {
  issues: CelIssue[];
  references: Set<string>;
  nodes: number;
}

/** Type names usable as values (`type(x) == double`). */
const TYPE_IDENTS = new Set([
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "list",
  "map",
  "null_type",
  "type",
  "dyn",
]);

function qualifiedName(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === "identExpr") return e.exprKind.value.name;
  if (e.exprKind.case === "selectExpr" && !e.exprKind.value.testOnly) {
    const base = qualifiedName(e.exprKind.value.operand);
    return base === undefined ? undefined : `${base}.${e.exprKind.value.field}`;
  }
  return undefined;
}

/** Returns 1-based line and column of a 0-based offset in `source`. */
export function location(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === "\n") {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Walks `parsed` against the declared variables and known function names. */
export function checkExpr(
  source: string,
  parsed: ParsedExpr & { expr: Expr },
  variables: ReadonlySet<string>,
  functions: ReadonlySet<string>,
): CheckReport {
  const report: CheckReport = { issues: [], references: new Set(), nodes: 0 };
  const positions = parsed.sourceInfo?.positions ?? {};
  const issue = (e: Expr, message: string): void => {
    const { line, column } = location(source, positions[Number(e.id)] ?? 0);
    report.issues.push({ kind: "undeclared", line, column, message });
  };
  const walk = (e: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!e) return;
    report.nodes++;
    const k = e.exprKind;
    switch (k.case) {
      case "identExpr":
        if (scope.has(k.value.name) || TYPE_IDENTS.has(k.value.name)) return;
        if (variables.has(k.value.name)) report.references.add(k.value.name);
        else issue(e, `undeclared reference to '${k.value.name}' (in container '')`);
        return;
      case "selectExpr":
        walk(k.value.operand, scope);
        return;
      case "callExpr": {
        const q = qualifiedName(k.value.target);
        const root = q?.split(".")[0];
        if (q !== undefined && root !== undefined && !scope.has(root) && !variables.has(root)) {
          if (functions.has(`${q}.${k.value.function}`)) {
            k.value.args.forEach((a) => walk(a, scope));
            return;
          }
        }
        if (!functions.has(k.value.function)) {
          issue(e, `undeclared reference to '${k.value.function}' (in container '')`);
        }
        walk(k.value.target, scope);
        k.value.args.forEach((a) => walk(a, scope));
        return;
      }
      case "listExpr":
        k.value.elements.forEach((a) => walk(a, scope));
        return;
      case "structExpr":
        if (k.value.messageName !== "")
          issue(e, `undeclared reference to '${k.value.messageName}' (in container '')`);
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === "mapKey") walk(entry.keyKind.value, scope);
          walk(entry.value, scope);
        }
        return;
      case "comprehensionExpr": {
        const c = k.value;
        walk(c.iterRange, scope);
        walk(c.accuInit, scope);
        const inner = new Set(scope).add(c.iterVar).add(c.accuVar);
        if (c.iterVar2) inner.add(c.iterVar2);
        walk(c.loopCondition, inner);
        walk(c.loopStep, inner);
        walk(c.result, new Set(scope).add(c.accuVar));
        return;
      }
      default:
        return;
    }
  };
  walk(parsed.expr, new Set());
  return report;
}

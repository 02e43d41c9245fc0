/**
 * Typed errors of the Kubernetes CEL environment. Messages follow cel-go's and
 * the Kubernetes API server's wording so clients see what upstream prints.
 */

/** One problem found while compiling an expression. */
export interface CelIssue {
  /** "syntax" for parse errors, "undeclared" for unknown variables or functions. */
  readonly kind: "syntax" | "undeclared";
  /** 1-based line and column in the expression text. */
  readonly line: number;
  readonly column: number;
  /** Message without location, e.g. "undeclared reference to 'foo' (in container '')". */
  readonly message: string;
}

/** Renders one issue as cel-go does: `ERROR: <input>:L:C: msg` plus a caret line. */
export function formatIssue(source: string, issue: CelIssue): string {
  const lines = source.split("\n");
  const text = lines[issue.line - 1] ?? "";
  const caret = ".".repeat(Math.max(0, issue.column - 1)) + "^";
  return `ERROR: <input>:${issue.line}:${issue.column}: ${issue.message}\n | ${text}\n | ${caret}`;
}

/** The expression does not compile; `message` starts "compilation failed: ". */
export class CelCompileError extends Error {
  readonly code = "CEL_COMPILE";
  readonly issues: readonly CelIssue[];
  /** The issues rendered as cel-go does, without the "compilation failed: " prefix. */
  readonly detail: string;
  constructor(source: string, issues: readonly CelIssue[]) {
    const detail = issues.map((i) => formatIssue(source, i)).join("\n");
    super(`compilation failed: ${detail}`);
    this.name = "CelCompileError";
    this.issues = issues;
    this.detail = detail;
  }
}

/** Evaluation failed (no such key, no matching overload, division by zero...). */
export class CelEvalError extends Error {
  readonly code = "CEL_EVAL";
  constructor(message: string) {
    super(message);
    this.name = "CelEvalError";
  }
}

/**
 * Evaluation was stopped: its runtime cost went over the budget
 * ("CEL_COST_LIMIT") or it ran longer than the allowed time ("CEL_TIMEOUT").
 */
export class CelCostError extends Error {
  readonly code: "CEL_COST_LIMIT" | "CEL_TIMEOUT";
  /** Cost charged when evaluation stopped. */
  readonly cost: number;
  constructor(code: "CEL_COST_LIMIT" | "CEL_TIMEOUT", cost: number) {
    super(
      code === "CEL_COST_LIMIT"
        ? "operation cancelled: actual cost limit exceeded"
        : "operation cancelled: evaluation time limit exceeded",
    );
    this.name = "CelCostError";
    this.code = code;
    this.cost = cost;
  }
}

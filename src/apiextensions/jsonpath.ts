/**
 * The JSONPath subset CRDs use in additionalPrinterColumns and
 * selectableFields: `.a.b`, `['key.with.dots']`, `[0]`, `[*]`, `[-1]` and
 * filters `[?(@.type=="Ready")]` (== and !=), optionally inside `{...}`.
 */

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "filter"; path: string[]; op: "==" | "!="; value: string };

/** Parse error with the offending expression. */
export class JSONPathError extends Error {
  constructor(expr: string, why: string) {
    super(`Cannot parse JSONPath ${JSON.stringify(expr)}: ${why}`);
    this.name = "JSONPathError";
  }
}

/** Parses `expr` into steps; throws JSONPathError. */
export function parseJSONPath(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1).trim();
  if (s.startsWith("$")) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ".") {
      let j = i + 1;
      let name = "";
      while (j < s.length && s[j] !== "." && s[j] !== "[") {
        if (s[j] === "\\" && j + 1 < s.length) j++;
        name += s[j];
        j++;
      }
      if (name === "") throw new JSONPathError(expr, "empty field name");
      steps.push(name === "*" ? { kind: "all" } : { kind: "field", name });
      i = j;
    } else if (s[i] === "[") {
      const end = s.indexOf("]", i);
      if (end < 0) throw new JSONPathError(expr, "unclosed [");
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === "*") steps.push({ kind: "all" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: "field", name: inner.slice(1, -1) });
      else {
        const m =
          /^\?\(@((?:\.[^.=!\s]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\s*\)$/.exec(
            inner,
          );
        if (!m) throw new JSONPathError(expr, `unsupported selector [${inner}]`);
        steps.push({
          kind: "filter",
          path: m[1]!.slice(1).split("."),
          op: m[2] as "==" | "!=",
          value: m[3] ?? m[4] ?? m[5]!,
        });
      }
    } else {
      throw new JSONPathError(expr, `unexpected ${JSON.stringify(s[i])}`);
    }
  }
  return steps;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every value `steps` reach in `root`. */
export function evaluateJSONPath(steps: Step[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      switch (step.kind) {
        case "field":
          if (isObject(v) && v[step.name] !== undefined) next.push(v[step.name]);
          break;
        case "index":
          if (Array.isArray(v)) {
            const at = step.index < 0 ? v.length + step.index : step.index;
            if (at >= 0 && at < v.length) next.push(v[at]);
          }
          break;
        case "all":
          if (Array.isArray(v)) next.push(...v);
          else if (isObject(v)) next.push(...Object.values(v));
          break;
        case "filter":
          if (!Array.isArray(v)) break;
          for (const item of v) {
            let x: unknown = item;
            for (const p of step.path) x = isObject(x) ? x[p] : undefined;
            const eq = x !== undefined && String(x) === step.value;
            if (step.op === "==" ? eq : !eq) next.push(item);
          }
          break;
      }
    }
    current = next;
  }
  return current;
}

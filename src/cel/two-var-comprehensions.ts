/**
 * cel-go's two-variable comprehensions (ext.TwoVarComprehensions, enabled in
 * Kubernetes 1.32), which @bufbuild/cel does not expand: on a list the
 * variables are index and element, on a map key and value.
 *
 *   r.all(i, v, p)   r.exists(i, v, p)   r.existsOne(i, v, p)
 *   r.transformList(i, v, [filter,] e)       → list of e
 *   r.transformMap(k, v, [filter,] e)        → map k → e
 *   r.transformMapEntry(k, v, [filter,] e)   → maps e merged (duplicate keys are errors)
 *
 * Each becomes a one-variable comprehension over `k8sEntries__(r)` (a list
 * of [key, value] pairs) whose hidden variable replaces the two names in
 * the body (`i` → `@itN[0]`, `v` → `@itN[1]`).
 */
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";

/** Internal functions (implemented in lib/comprehensions.ts). */
export const ENTRIES = "k8sEntries__";
export const MAP_INSERT = "k8sMapInsert__";

let ids = 1n << 46n;
let hidden = 0;

function node(kind: Expr["exprKind"]): Expr {
  return { $typeName: "cel.expr.Expr", id: ids++, exprKind: kind } as Expr;
}
const call = (fn: string, args: Expr[], target?: Expr): Expr =>
  node({
    case: "callExpr",
    value: { $typeName: "cel.expr.Expr.Call", function: fn, target, args },
  } as Expr["exprKind"]);
const ident = (name: string): Expr =>
  node({
    case: "identExpr",
    value: { $typeName: "cel.expr.Expr.Ident", name },
  } as Expr["exprKind"]);
const constant = (kind: { case: string; value: unknown }): Expr =>
  node({
    case: "constExpr",
    value: { $typeName: "cel.expr.Constant", constantKind: kind },
  } as Expr["exprKind"]);
const int = (n: number) => constant({ case: "int64Value", value: BigInt(n) });
const bool = (b: boolean) => constant({ case: "boolValue", value: b });
const emptyList = () =>
  node({
    case: "listExpr",
    value: { $typeName: "cel.expr.Expr.CreateList", elements: [], optionalIndices: [] },
  } as Expr["exprKind"]);
const emptyMap = () =>
  node({
    case: "structExpr",
    value: { $typeName: "cel.expr.Expr.CreateStruct", messageName: "", entries: [] },
  } as Expr["exprKind"]);

/** Replaces free identifiers `names[j]` in `e` by `@it[j]`, in place. */
function substitute(e: Expr | undefined, names: string[], it: string): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case "identExpr": {
      const j = names.indexOf(k.value.name);
      if (j >= 0) e.exprKind = call("_[_]", [ident(it), int(j)]).exprKind;
      return;
    }
    case "selectExpr":
      return substitute(k.value.operand, names, it);
    case "callExpr":
      substitute(k.value.target, names, it);
      k.value.args.forEach((a) => substitute(a, names, it));
      return;
    case "listExpr":
      return k.value.elements.forEach((a) => substitute(a, names, it));
    case "structExpr":
      for (const en of k.value.entries) {
        if (en.keyKind.case === "mapKey") substitute(en.keyKind.value, names, it);
        substitute(en.value, names, it);
      }
      return;
    case "comprehensionExpr": {
      const c = k.value;
      substitute(c.iterRange, names, it);
      substitute(c.accuInit, names, it);
      const bound = [c.iterVar, c.iterVar2, c.accuVar];
      const free = names.map((n) => (bound.includes(n) ? "\u0000" : n));
      [c.loopCondition, c.loopStep, c.result].forEach((x) => substitute(x, free, it));
      return;
    }
    default:
      return;
  }
}

/** The comprehension for one macro call, or undefined when `c` is not one. */
function expand(c: {
  function: string;
  target?: Expr;
  args: Expr[];
}): Expr["exprKind"] | undefined {
  const [a0, a1] = c.args;
  if (!c.target || a0?.exprKind.case !== "identExpr" || a1?.exprKind.case !== "identExpr")
    return undefined;
  const names = [a0.exprKind.value.name, a1.exprKind.value.name];
  const rest = c.args.slice(2);
  const fn = c.function;
  const quantifier = ["all", "exists", "existsOne", "exists_one"].includes(fn);
  const transform = ["transformList", "transformMap", "transformMapEntry"].includes(fn);
  if (
    !(quantifier && rest.length === 1) &&
    !(transform && (rest.length === 1 || rest.length === 2))
  )
    return undefined;
  const it = `@it${hidden++}`;
  rest.forEach((x) => substitute(x, names, it));
  const accu = "@result";
  const a = () => ident(accu);
  const [first, second] = rest as [Expr, Expr | undefined];
  let init: Expr;
  let cond: Expr = bool(true);
  let step: Expr;
  let result: Expr = a();
  switch (fn) {
    case "all":
      init = bool(true);
      cond = call("@not_strictly_false", [a()]);
      step = call("_&&_", [a(), first]);
      break;
    case "exists":
      init = bool(false);
      cond = call("@not_strictly_false", [call("!_", [a()])]);
      step = call("_||_", [a(), first]);
      break;
    case "existsOne":
    case "exists_one":
      init = int(0);
      step = call("_?_:_", [first, call("_+_", [a(), int(1)]), a()]);
      result = call("_==_", [a(), int(1)]);
      break;
    default: {
      const value = second ?? first;
      init = fn === "transformList" ? emptyList() : emptyMap();
      const add =
        fn === "transformList"
          ? call("_+_", [
              a(),
              node({
                case: "listExpr",
                value: {
                  $typeName: "cel.expr.Expr.CreateList",
                  elements: [value],
                  optionalIndices: [],
                },
              } as Expr["exprKind"]),
            ])
          : fn === "transformMap"
            ? call(MAP_INSERT, [a(), call("_[_]", [ident(it), int(0)]), value])
            : call(MAP_INSERT, [a(), value]);
      step = second ? call("_?_:_", [first, add, a()]) : add;
    }
  }
  return {
    case: "comprehensionExpr",
    value: {
      $typeName: "cel.expr.Expr.Comprehension",
      iterVar: it,
      iterVar2: "",
      iterRange: call(ENTRIES, [c.target]),
      accuVar: accu,
      accuInit: init,
      loopCondition: cond,
      loopStep: step,
      result,
    },
  } as Expr["exprKind"];
}

/** Expands every two-variable comprehension in `e` (innermost first), in place. */
export function expandTwoVarComprehensions(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr":
      return expandTwoVarComprehensions(k.value.operand);
    case "callExpr": {
      expandTwoVarComprehensions(k.value.target);
      k.value.args.forEach(expandTwoVarComprehensions);
      const out = expand(k.value);
      if (out) e.exprKind = out;
      return;
    }
    case "listExpr":
      return k.value.elements.forEach(expandTwoVarComprehensions);
    case "structExpr":
      for (const en of k.value.entries) {
        if (en.keyKind.case === "mapKey") expandTwoVarComprehensions(en.keyKind.value);
        expandTwoVarComprehensions(en.value);
      }
      return;
    case "comprehensionExpr": {
      const c = k.value;
      [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].forEach(
        expandTwoVarComprehensions,
      );
      return;
    }
    default:
      return;
  }
}

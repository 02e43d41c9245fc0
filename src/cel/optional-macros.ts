/**
 * AST rewrites for the optional library after parsing (see
 * optional-syntax.ts for the text rewrite that precedes them):
 *
 * - a list literal with optional elements (`[a, ?b]`, parsed as
 *   `[a, k8sOptEntry__(b)]`) becomes `k8sOptList__([...])`, which drops
 *   absent elements and unwraps present ones;
 * - a map literal with optional entries (`{?k: v}`, parsed as
 *   `{k8sOptEntry__(k): v}`) becomes `k8sOptMap__({k: k8sOptEntry__(v)})`;
 * - the macros `opt.optMap(x, e)` and `opt.optFlatMap(x, e)` become
 *   `opt.hasValue() ? k8sOptOf__(<e with x = opt.value()>) : optional.none()` (the
 *   flat variant without the wrap), the binding being a one-shot
 *   comprehension as cel-go expands it.
 */
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { OPT_ENTRY } from "./optional-syntax.ts";

/** Internal functions the rewrites call (implemented in lib/optional.ts). */
export const OPT_LIST = "k8sOptList__";
export const OPT_MAP = "k8sOptMap__";
export const OPT_OF = "k8sOptOf__";

let ids = 1n << 44n;

function node(kind: Expr["exprKind"], id = ids++): Expr {
  return { $typeName: "cel.expr.Expr", id, exprKind: kind } as Expr;
}

function call(fn: string, args: Expr[], target?: Expr, id?: bigint): Expr {
  return node(
    { case: "callExpr", value: { $typeName: "cel.expr.Expr.Call", function: fn, target, args } },
    id,
  ) as Expr;
}

function isEntry(e: Expr | undefined): boolean {
  return e?.exprKind.case === "callExpr" && e.exprKind.value.function === OPT_ENTRY;
}

/** `target.hasValue() ? wrap(bind x = target.value() in body) : target`. */
function expandOptMap(e: Expr, target: Expr, name: string, body: Expr, flat: boolean): void {
  const copy = (): Expr => structuredClone(target);
  const fold = node({
    case: "comprehensionExpr",
    value: {
      $typeName: "cel.expr.Expr.Comprehension",
      iterVar: "#unused",
      iterVar2: "",
      iterRange: node({
        case: "listExpr",
        value: { $typeName: "cel.expr.Expr.CreateList", elements: [], optionalIndices: [] },
      }),
      accuVar: name,
      accuInit: call("value", [], copy()),
      loopCondition: node({
        case: "constExpr",
        value: {
          $typeName: "cel.expr.Constant",
          constantKind: { case: "boolValue", value: false },
        },
      }),
      loopStep: node({ case: "identExpr", value: { $typeName: "cel.expr.Expr.Ident", name } }),
      result: body,
    },
  } as Expr["exprKind"]);
  const present = flat ? fold : call(OPT_OF, [fold]);
  const none = call(
    "none",
    [],
    node({
      case: "identExpr",
      value: { $typeName: "cel.expr.Expr.Ident", name: "optional" },
    } as Expr["exprKind"]),
  );
  e.exprKind = call("_?_:_", [call("hasValue", [], target), present, none]).exprKind;
}

/** Applies the rewrites of the module doc to `e` in place. */
export function expandOptionals(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr":
      expandOptionals(k.value.operand);
      return;
    case "callExpr": {
      const c = k.value;
      expandOptionals(c.target);
      c.args.forEach(expandOptionals);
      const name = c.args[0]?.exprKind;
      if (
        (c.function === "optMap" || c.function === "optFlatMap") &&
        c.target &&
        c.args.length === 2 &&
        name?.case === "identExpr"
      )
        expandOptMap(e, c.target, name.value.name, c.args[1]!, c.function === "optFlatMap");
      return;
    }
    case "listExpr": {
      k.value.elements.forEach(expandOptionals);
      if (!k.value.elements.some(isEntry)) return;
      const inner = node({ case: "listExpr", value: k.value });
      e.exprKind = call(OPT_LIST, [inner]).exprKind;
      return;
    }
    case "structExpr": {
      let optional = false;
      for (const en of k.value.entries) {
        if (en.keyKind.case === "mapKey") expandOptionals(en.keyKind.value);
        expandOptionals(en.value);
        if (en.keyKind.case === "mapKey" && isEntry(en.keyKind.value)) {
          const marker = en.keyKind.value;
          const mk = marker.exprKind as { case: "callExpr"; value: { args: Expr[] } };
          en.keyKind.value = mk.value.args[0]!;
          en.value = call(OPT_ENTRY, [en.value!], undefined, marker.id);
          optional = true;
        }
      }
      if (!optional || k.value.messageName !== "") return;
      const inner = node({ case: "structExpr", value: k.value });
      e.exprKind = call(OPT_MAP, [inner]).exprKind;
      return;
    }
    case "comprehensionExpr": {
      const c = k.value;
      [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].forEach(expandOptionals);
      return;
    }
    default:
      return;
  }
}

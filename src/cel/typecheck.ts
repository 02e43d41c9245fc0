/**
 * Static type checking and cost estimation of a parsed expression, before
 * it is planned, against the variables' types (CRD rules: self/oldSelf
 * from the schema; admission: request and namespaceObject typed, the rest
 * dyn). Reported as cel-go does:
 * - `undefined field 'x'` for a field an object type does not declare,
 * - `type 'string' does not support field selection`,
 * - `found no matching overload for '_==_' applied to '(int, string)'`
 *   (methods: `'string.(int)'`) when no overload of a known function or
 *   operator fits (signatures.ts); dyn fits everything,
 * - `expected type 'int' but found 'string'` for mixed list/map literals,
 * - a comprehension over something that is not a list or map.
 *
 * Cost follows cel-go's estimator (checked against upstream's published
 * estimates): identifiers and selections 1, constants and has() 0, list
 * literals 10, map literals 30, calls 1 (logical operators 0, a ternary
 * its condition plus its dearer branch), string/list work 0.1 per
 * character or element (regexes times 0.25 per pattern character),
 * comprehensions their range's maximum size times loop condition plus
 * step. Maximum sizes come from maxLength (4 bytes per character; else a
 * string enum's longest value)/maxItems/maxProperties, else from upstream's
 * 3 MiB request limit over the element's minimum JSON size; timestamps and
 * durations read from fields compare at their longest JSON size.
 */
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import type { CelIssue } from "./errors.ts";
import { location } from "./check.ts";
import { LIST_CREATE_COST, MAP_CREATE_COST, ownCost } from "./estimate.ts";
import { resolveCall } from "./signatures.ts";
import {
  OPT_CHAIN_INDEX,
  OPT_CHAIN_SELECT,
  OPT_ENTRY,
  OPT_INDEX,
  OPT_SELECT,
} from "./optional-syntax.ts";
import { OPT_LIST, OPT_MAP, OPT_OF } from "./optional-macros.ts";
import { ENTRIES } from "./two-var-comprehensions.ts";
import {
  BOOL,
  BYTES,
  childType,
  DOUBLE,
  DYN,
  FREE,
  INT,
  NULL,
  opaqueOf,
  propertyByCelName,
  sizeOf,
  STRING,
  typeName,
  UINT,
  unifies,
  type T,
  type TypeSchema,
} from "./types.ts";

export type { TypeSchema } from "./types.ts";
export { maxElements } from "./types.ts";

/** Source text of binary operators, to report mismatches at the operator as cel-go does. */
const OPERATOR_TEXT: Record<string, string> = {
  "_&&_": "&&",
  "_||_": "||",
  "_==_": "==",
  "_!=_": "!=",
  "_<_": "<",
  "_<=_": "<=",
  "_>_": ">",
  "_>=_": ">=",
  "_+_": "+",
  "_-_": "-",
  "_*_": "*",
  "_/_": "/",
  "_%_": "%",
  "@in": "in",
  "_[_]": "[",
};

/** What analyze() found. */
export interface TypeReport {
  issues: CelIssue[];
  /** The expression's static type ("bool", "dyn", "list(string)", ...). */
  resultType: string;
  /** Estimated worst-case cost. */
  cost: number;
  /** The static result type itself. */
  type: T;
}

type Scope = ReadonlyMap<string, T>;
interface Typed {
  t: T;
  cost: number;
}

/** The type of field `field` of a value of type `t`; reports what cel-go reports. */
function selectType(t: T, field: string, report: (m: string) => void): T {
  if (t.k === "object" && t.fields) {
    const declared = t.fields[field];
    if (!declared) report(`undefined field '${field}'`);
    return declared ?? DYN;
  }
  if (t.k === "object") {
    // Only exposed properties are fields (upstream's SchemaDeclType): not
    // unknown fields of preserve-unknown-fields objects, nor properties
    // without a type (Quantity, raw JSON).
    const prop = propertyByCelName(t.schema, field);
    const declared = prop && childType(prop);
    if (!declared) report(`undefined field '${field}'`);
    return declared ?? DYN;
  }
  if (t.k === "map") return unsized(t.val);
  if (t.k === "dyn" || t.k === "null" || t.k === "opaque") return DYN;
  report(`type '${typeName(t)}' does not support field selection`);
  return DYN;
}

/**
 * The type of one element of `k8sEntries__(range)` (two-variable
 * comprehensions): field "0" is the index or key, "1" the element or value.
 */
const PAIR_SCHEMA: TypeSchema = { type: "object", celTypeName: "list(dyn)" };
const entryPair = (key: T, val: T): T => ({
  k: "object",
  schema: PAIR_SCHEMA,
  fields: { "0": key, "1": val },
});
const PAIR = entryPair(DYN, DYN);

/**
 * A map value read with field syntax (`m.key`): upstream's size estimator
 * finds no size for it (unlike `m['key']`), so scalars compare at cost 1
 * and strings are request-bounded.
 */
function unsized(t: T): T {
  switch (t.k) {
    case "bool":
    case "int":
    case "uint":
    case "double":
      return { k: t.k };
    case "timestamp":
    case "duration":
      return { k: t.k };
    case "string":
      return STRING;
    default:
      return t;
  }
}

const optionalOf = (t: T): T => opaqueOf("optional_type", t);
const optionalElem = (t: T): T => (t.k === "opaque" && t.elem ? t.elem : DYN);

/** Checks `expr` against the variables' types; see the module doc. */
export function analyze(
  source: string,
  expr: Expr,
  positions: Record<string, number>,
  variables: Readonly<Record<string, T>>,
): TypeReport {
  const issues: CelIssue[] = [];
  const offsetOf = (e: Expr | undefined): number => (e ? (positions[String(e.id)] ?? 0) : 0);
  const issue = (e: Expr | undefined, message: string, at = offsetOf(e)): void => {
    issues.push({ kind: "undeclared", ...location(source, at), message });
  };
  /** Literals inside a string format call are exempt from the homogeneity check (as cel-go). */
  let inFormat = 0;
  /** Checks literal elements are of one type (HomogeneousAggregateLiterals). */
  const homogeneous = (els: (Expr | undefined)[], types: T[]): T => {
    let first: T | undefined;
    let mixed = false;
    types.forEach((t, i) => {
      if (t.k === "dyn") return;
      if (first === undefined) first = t;
      else if (!unifies(first, t)) {
        mixed = true;
        if (inFormat === 0)
          issue(els[i], `expected type '${typeName(first)}' but found '${typeName(t)}'`);
      }
    });
    if (mixed) return DYN;
    if (types.length === 0) return FREE;
    return types.some((t) => t.k === "dyn") || first === undefined ? DYN : first;
  };
  const walk = (e: Expr | undefined, scope: Scope): Typed => {
    if (!e) return { t: DYN, cost: 0 };
    const k = e.exprKind;
    switch (k.case) {
      case "constExpr": {
        const c = k.value.constantKind;
        const t: T =
          c.case === "boolValue"
            ? BOOL
            : c.case === "int64Value"
              ? INT
              : c.case === "uint64Value"
                ? UINT
                : c.case === "doubleValue"
                  ? DOUBLE
                  : c.case === "stringValue"
                    ? { k: "string", max: c.value.length }
                    : c.case === "bytesValue"
                      ? BYTES
                      : c.case === "nullValue"
                        ? NULL
                        : DYN;
        return { t, cost: 0 };
      }
      case "identExpr": {
        const n = k.value.name;
        return { t: scope.get(n) ?? variables[n] ?? DYN, cost: 1 };
      }
      case "selectExpr": {
        const op = walk(k.value.operand, scope);
        const out = selectType(op.t, k.value.field, (m) => issue(e, m));
        // has() is free (upstream disables its presence-test cost).
        return k.value.testOnly ? { t: BOOL, cost: 0 } : { t: out, cost: op.cost + 1 };
      }
      case "listExpr": {
        const rs = k.value.elements.map((el) => walk(el, scope));
        const elem = homogeneous(
          k.value.elements,
          rs.map((r) => r.t),
        );
        const cost = LIST_CREATE_COST + rs.reduce((s, r) => s + r.cost, 0);
        return { t: { k: "list", elem, max: rs.length }, cost };
      }
      case "structExpr": {
        let cost = MAP_CREATE_COST;
        const keys: T[] = [];
        const vals: T[] = [];
        for (const en of k.value.entries) {
          if (en.keyKind.case === "mapKey") {
            const r = walk(en.keyKind.value, scope);
            keys.push(r.t);
            cost += r.cost;
          }
          const v = walk(en.value, scope);
          vals.push(v.t);
          cost += v.cost;
        }
        const entries = k.value.entries;
        const key = homogeneous(
          entries.map((en) => (en.keyKind.case === "mapKey" ? en.keyKind.value : undefined)),
          keys,
        );
        const val = homogeneous(
          entries.map((en) => en.value),
          vals,
        );
        return { t: { k: "map", key, val, max: entries.length }, cost };
      }
      case "comprehensionExpr": {
        const c = k.value;
        const range = walk(c.iterRange, scope);
        const init = walk(c.accuInit, scope);
        const r = range.t;
        if (r.k !== "list" && r.k !== "map" && r.k !== "dyn" && r.k !== "null")
          issue(
            c.iterRange,
            `expression of type '${typeName(r)}' cannot be the range of a comprehension (must be list, map, or dynamic)`,
          );
        const elem: T = r.k === "list" ? r.elem : r.k === "map" ? r.key : DYN;
        const inner = new Map(scope);
        inner.set(c.iterVar, elem).set(c.accuVar, init.t);
        const cond = walk(c.loopCondition, inner);
        const step = walk(c.loopStep, inner);
        const accu = step.t.k === "dyn" ? init.t : step.t;
        const result = walk(c.result, new Map(scope).set(c.accuVar, accu));
        const n = r.k === "list" || r.k === "map" ? r.max : 1;
        let t = result.t;
        if (t.k === "list" && (r.k === "list" || r.k === "map")) t = { ...t, max: n };
        return {
          t,
          cost: range.cost + init.cost + n * (cond.cost + step.cost) + result.cost,
        };
      }
      case "callExpr":
        return call(e, k.value, scope);
      default:
        return { t: DYN, cost: 1 };
    }
  };
  /** The qualified name a call target spells (`sets` in sets.contains), unless it is a variable. */
  const qualifier = (e: Expr | undefined, scope: Scope): string | undefined => {
    if (!e) return undefined;
    const k = e.exprKind;
    if (k.case === "identExpr")
      return scope.has(k.value.name) || k.value.name in variables ? undefined : k.value.name;
    if (k.case === "selectExpr" && !k.value.testOnly) {
      const base = qualifier(k.value.operand, scope);
      return base === undefined ? undefined : `${base}.${k.value.field}`;
    }
    return undefined;
  };
  const stringArg = (e: Expr | undefined): string => {
    const k = e?.exprKind;
    return k?.case === "constExpr" && k.value.constantKind.case === "stringValue"
      ? k.value.constantKind.value
      : "";
  };
  const call = (
    e: Expr,
    c: { function: string; target?: Expr; args: Expr[] },
    scope: Scope,
  ): Typed => {
    const q = qualifier(c.target, scope);
    const fn = q !== undefined ? `${q}.${c.function}` : c.function;
    const target = c.target && q === undefined ? walk(c.target, scope) : undefined;
    if (fn === "format" && target) inFormat++;
    const args = c.args.map((a) => walk(a, scope));
    if (fn === "format" && target) inFormat--;
    const types = args.map((a) => a.t);
    let cost =
      (target?.cost ?? 0) + args.reduce((s, a) => s + a.cost, 0) + ownCost(fn, target?.t, types);
    if (fn === "_?_:_") cost = args[0]!.cost + Math.max(args[1]!.cost, args[2]!.cost);
    // Internal functions of the optional syntax and macros.
    switch (fn) {
      case OPT_SELECT:
      case OPT_CHAIN_SELECT: {
        const base =
          fn === OPT_SELECT && target!.t.k !== "opaque" ? target!.t : optionalElem(target!.t);
        return { t: optionalOf(selectType(base, stringArg(c.args[0]), (m) => issue(e, m))), cost };
      }
      case OPT_INDEX:
      case OPT_CHAIN_INDEX: {
        const base =
          fn === OPT_INDEX && target!.t.k !== "opaque" ? target!.t : optionalElem(target!.t);
        const elem = base.k === "list" ? base.elem : base.k === "map" ? base.val : DYN;
        return { t: optionalOf(elem), cost };
      }
      case OPT_ENTRY:
        return { t: optionalElem(types[0]!), cost };
      case OPT_LIST:
      case OPT_MAP:
        return { t: types[0]!, cost };
      case OPT_OF:
        return { t: optionalOf(types[0]!), cost };
      case ENTRIES: {
        const r = types[0]!;
        const n = r.k === "list" || r.k === "map" ? r.max : 1;
        const pair =
          r.k === "list" ? entryPair(INT, r.elem) : r.k === "map" ? entryPair(r.key, r.val) : PAIR;
        return { t: { k: "list", elem: pair, max: n }, cost };
      }
    }
    // The two variables of a two-variable comprehension: `@it[0]`, `@it[1]` of an entry pair.
    if (fn === "_[_]" && types[0]?.k === "object" && types[0].schema === PAIR_SCHEMA) {
      const at = c.args[1]?.exprKind;
      const j = at?.case === "constExpr" ? String(at.value.constantKind.value) : "";
      return { t: types[0].fields?.[j] ?? DYN, cost };
    }
    const resolved = resolveCall(fn, target?.t, types);
    if (resolved && !resolved.ok) {
      const shown = types.map(typeName).join(", ");
      const sig = target ? `${typeName(target.t)}.(${shown})` : `(${shown})`;
      // cel-go places operators at the operator and calls at their '('.
      let at = offsetOf(e);
      const op = OPERATOR_TEXT[fn];
      if ((op && c.args.length === 2) || fn === "_?_:_") {
        const opAt = source.lastIndexOf(op ?? "?", offsetOf(c.args[1]));
        if (opAt >= 0 && opAt >= Math.min(at, offsetOf(c.args[0]))) at = opAt;
      } else if (/^[a-zA-Z]/.test(c.function)) {
        const paren = source.indexOf("(", at);
        if (paren >= 0) at = paren;
      }
      issue(e, `found no matching overload for '${fn}' applied to '${sig}'`, at);
      return { t: DYN, cost };
    }
    let t = resolved?.t ?? DYN;
    if (fn === "_+_" && (t.k === "string" || t.k === "list"))
      t = { ...t, max: sizeOf(types[0]!) + sizeOf(types[1]!) };
    if (fn === "_?_:_" && types[1]!.k === "dyn") t = DYN;
    if (t.k === "string" && t === STRING && target && target.t.k === "string")
      t = { k: "string", max: target.t.max };
    return { t, cost };
  };
  const r = walk(expr, new Map());
  return { issues, resultType: typeName(r.t), cost: r.cost, type: r.t };
}

/**
 * Static type checking and cost estimation of an expression against the
 * OpenAPI schemas of its variables (CRD rules: self/oldSelf), before it is
 * planned. Types come from the schema (object properties, maps, lists,
 * scalars; preserve-unknown-fields and int-or-string are dyn). Reported as
 * cel-go does:
 * - `undefined field 'x'` for a field the object schema does not declare,
 * - `type 'string' does not support field selection`,
 * - `found no matching overload for '_==_' applied to '(int, string)'` for
 *   operators applied to incompatible scalar types.
 * Numeric kinds (int, uint, double) are treated as compatible with each
 * other and anything dyn with everything: the check errs on the side of
 * accepting.
 *
 * Cost: 1 per node; comprehensions multiply their loop body by the range's
 * maximum size; string/list functions add 0.1 per element or character.
 * Maximum sizes come from maxLength/maxItems/maxProperties, else from
 * upstream's 3 MiB request limit divided by the element's minimum encoded
 * size.
 */
import type { Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import type { CelIssue } from "./errors.ts";
import { location } from "./check.ts";
import { escapeCelProperty } from "./values.ts";

/** The property a CEL field name refers to (names are escaped as upstream: x-y → x__dash__y). */
function propertyByCelName(s: TypeSchema, field: string): TypeSchema | undefined {
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (escapeCelProperty(k) === field) return v;
  }
  return undefined;
}

/** The schema parts the checker reads (a CRD JSONSchemaProps fits). */
export interface TypeSchema {
  type?: string;
  format?: string;
  properties?: Record<string, TypeSchema>;
  additionalProperties?: TypeSchema | boolean;
  items?: TypeSchema;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

/** Upstream's request size limit, the bound for unbounded strings, lists and maps. */
const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

type T =
  | { k: "dyn" | "bool" | "int" | "uint" | "double" | "bytes" | "null" | "type" }
  | { k: "string"; max: number }
  | { k: "list"; elem: T; max: number }
  | { k: "map"; val: T; max: number }
  | { k: "object"; schema: TypeSchema };

const DYN: T = { k: "dyn" };
const BOOL: T = { k: "bool" };
const INT: T = { k: "int" };

function minEncodedSize(s: TypeSchema | undefined): number {
  switch (s?.type) {
    case "string":
    case "object":
    case "array":
      return 2;
    case "boolean":
      return 4;
    default:
      return 1;
  }
}

/** The CEL type of a value described by `s`. */
export function typeOfSchema(s: TypeSchema | undefined): T {
  if (!s || s["x-kubernetes-int-or-string"]) return DYN;
  switch (s.type) {
    case "boolean":
      return BOOL;
    case "integer":
      return INT;
    case "number":
      return { k: "double" };
    case "string":
      if (s.format === "byte") return { k: "bytes" };
      if (s.format === "date-time" || s.format === "duration" || s.format === "date") return DYN;
      return { k: "string", max: s.maxLength ?? MAX_REQUEST_BYTES - 2 };
    case "array":
      return {
        k: "list",
        elem: typeOfSchema(s.items),
        max: s.maxItems ?? Math.floor((MAX_REQUEST_BYTES - 2) / (minEncodedSize(s.items) + 1)),
      };
    case "object": {
      if (s["x-kubernetes-embedded-resource"] || s["x-kubernetes-preserve-unknown-fields"])
        return s.properties ? { k: "object", schema: s } : DYN;
      if (s.properties) return { k: "object", schema: s };
      const ap = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
      return {
        k: "map",
        val: typeOfSchema(ap),
        max: s.maxProperties ?? Math.floor((MAX_REQUEST_BYTES - 2) / (minEncodedSize(ap) + 4)),
      };
    }
    default:
      return DYN;
  }
}

/** Most elements a list or map described by `s` can hold (1 for anything else). */
export function maxElements(s: TypeSchema | undefined): number {
  const t = typeOfSchema(s);
  return t.k === "list" || t.k === "map" ? t.max : 1;
}

function name(t: T): string {
  switch (t.k) {
    case "list":
      return `list(${name(t.elem)})`;
    case "map":
      return `map(string, ${name(t.val)})`;
    case "object":
      return "object";
    case "null":
      return "null_type";
    default:
      return t.k;
  }
}

const NUMERIC = new Set(["int", "uint", "double"]);
/** Fields every root or embedded object has even when its schema omits them. */
const IMPLICIT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);
function family(t: T): string {
  return NUMERIC.has(t.k) ? "number" : t.k === "object" ? "map" : t.k;
}
/** Whether two scalar types can meet in an operator (dyn and null meet everything). */
function compatible(a: T, b: T): boolean {
  if (a.k === "dyn" || b.k === "dyn" || a.k === "null" || b.k === "null") return true;
  return family(a) === family(b);
}
const SCALAR = new Set(["bool", "int", "uint", "double", "string", "bytes"]);
const sizeOf = (t: T): number => ("max" in t ? t.max : 1);

/** Functions whose cost grows with their string or list receiver/argument. */
const LINEAR = new Set([
  "contains",
  "startsWith",
  "endsWith",
  "matches",
  "find",
  "findAll",
  "lowerAscii",
  "upperAscii",
  "replace",
  "split",
  "trim",
  "indexOf",
  "lastIndexOf",
  "join",
  "substring",
  "isSorted",
  "sum",
  "min",
  "max",
  "@in",
]);
const BOOL_RESULT = new Set(["contains", "startsWith", "endsWith", "matches", "@in", "!_"]);

/** What analyze() found. */
export interface TypeReport {
  issues: CelIssue[];
  /** The expression's static type name ("bool", "dyn", ...). */
  resultType: string;
  /** Estimated worst-case cost. */
  cost: number;
}

/** Checks `expr` against the variables' schemas; see the module doc. */
export function analyze(
  source: string,
  expr: Expr,
  positions: Record<string, number>,
  variables: Readonly<Record<string, TypeSchema | undefined>>,
): TypeReport {
  const issues: CelIssue[] = [];
  const offsetOf = (e: Expr | undefined): number => (e ? (positions[String(e.id)] ?? 0) : 0);
  const issue = (e: Expr, message: string, at = offsetOf(e)): void => {
    issues.push({ kind: "undeclared", ...location(source, at), message });
  };
  const walk = (e: Expr | undefined, scope: ReadonlyMap<string, T>): { t: T; cost: number } => {
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
                ? { k: "uint" }
                : c.case === "doubleValue"
                  ? { k: "double" }
                  : c.case === "stringValue"
                    ? { k: "string", max: c.value.length }
                    : c.case === "bytesValue"
                      ? { k: "bytes" }
                      : c.case === "nullValue"
                        ? { k: "null" }
                        : DYN;
        return { t, cost: 0 };
      }
      case "identExpr": {
        const n = k.value.name;
        if (scope.has(n)) return { t: scope.get(n)!, cost: 1 };
        if (n in variables) return { t: typeOfSchema(variables[n]), cost: 1 };
        return { t: DYN, cost: 1 };
      }
      case "selectExpr": {
        const op = walk(k.value.operand, scope);
        const field = k.value.field;
        const t = op.t;
        let out: T = DYN;
        if (t.k === "object") {
          const prop = propertyByCelName(t.schema, field);
          if (prop) out = typeOfSchema(prop);
          else if (typeof t.schema.additionalProperties === "object")
            out = typeOfSchema(t.schema.additionalProperties);
          else if (
            !IMPLICIT_FIELDS.has(field) &&
            !t.schema["x-kubernetes-preserve-unknown-fields"] &&
            !t.schema["x-kubernetes-embedded-resource"] &&
            t.schema.additionalProperties !== true
          )
            issue(e, `undefined field '${field}'`);
        } else if (t.k === "map") out = t.val;
        else if (SCALAR.has(t.k) || t.k === "list")
          issue(e, `type '${name(t)}' does not support field selection`);
        return { t: k.value.testOnly ? BOOL : out, cost: op.cost + 1 };
      }
      case "listExpr": {
        let cost = 1;
        let elem: T | undefined;
        for (const el of k.value.elements) {
          const r = walk(el, scope);
          cost += r.cost;
          elem = elem === undefined || elem.k === r.t.k ? r.t : DYN;
        }
        return { t: { k: "list", elem: elem ?? DYN, max: k.value.elements.length }, cost };
      }
      case "structExpr": {
        let cost = 1;
        for (const en of k.value.entries) {
          if (en.keyKind.case === "mapKey") cost += walk(en.keyKind.value, scope).cost;
          cost += walk(en.value, scope).cost;
        }
        return { t: { k: "map", val: DYN, max: k.value.entries.length }, cost };
      }
      case "comprehensionExpr": {
        const c = k.value;
        const range = walk(c.iterRange, scope);
        const init = walk(c.accuInit, scope);
        const elem: T =
          range.t.k === "list"
            ? range.t.elem
            : range.t.k === "map" || range.t.k === "object"
              ? { k: "string", max: 253 }
              : DYN;
        const inner = new Map(scope);
        inner.set(c.iterVar, elem).set(c.accuVar, init.t);
        const cond = walk(c.loopCondition, inner);
        const step = walk(c.loopStep, inner);
        const result = walk(
          c.result,
          new Map(scope).set(c.accuVar, step.t.k === "dyn" ? init.t : step.t),
        );
        const n =
          range.t.k === "list" || range.t.k === "map"
            ? range.t.max
            : range.t.k === "object"
              ? Object.keys(range.t.schema.properties ?? {}).length
              : 1;
        return {
          t: result.t,
          cost: range.cost + init.cost + n * (cond.cost + step.cost + 1) + result.cost,
        };
      }
      case "callExpr":
        return call(e, k.value, scope);
      default:
        return { t: DYN, cost: 1 };
    }
  };
  const call = (
    e: Expr,
    c: { function: string; target?: Expr; args: Expr[] },
    scope: ReadonlyMap<string, T>,
  ): { t: T; cost: number } => {
    const target = c.target ? walk(c.target, scope) : undefined;
    const args = c.args.map((a) => walk(a, scope));
    let cost = 1 + (target?.cost ?? 0) + args.reduce((s, a) => s + a.cost, 0);
    const fn = c.function;
    const types = args.map((a) => a.t);
    // The parser places && and || at their first operand; cel-go reports the operator.
    const logical = fn === "_&&_" ? "&&" : fn === "_||_" ? "||" : undefined;
    const opAt = logical ? source.lastIndexOf(logical, offsetOf(c.args[1])) : -1;
    const mismatch = () =>
      issue(
        e,
        `found no matching overload for '${fn}' applied to '(${types.map(name).join(", ")})'`,
        opAt >= offsetOf(c.args[0]) ? opAt : offsetOf(e),
      );
    if (LINEAR.has(fn)) {
      const sizes = [target, ...args].filter((x) => x !== undefined).map((x) => sizeOf(x!.t));
      cost += Math.ceil(Math.max(0, ...sizes) * 0.1);
    }
    switch (fn) {
      case "_==_":
      case "_!=_":
        if (types.every((t) => SCALAR.has(t.k)) && !compatible(types[0]!, types[1]!)) mismatch();
        cost += Math.ceil(Math.min(...types.map(sizeOf)) * 0.1);
        return { t: BOOL, cost };
      case "_<_":
      case "_<=_":
      case "_>_":
      case "_>=_":
        if (types.every((t) => SCALAR.has(t.k)) && !compatible(types[0]!, types[1]!)) mismatch();
        return { t: BOOL, cost };
      case "_&&_":
      case "_||_":
      case "!_":
        if (types.some((t) => t.k !== "bool" && t.k !== "dyn")) mismatch();
        return { t: BOOL, cost };
      case "_+_": {
        const [a, b] = types as [T, T];
        if (!compatible(a, b) || (a.k === "bool" && b.k === "bool")) mismatch();
        if (a.k === "string" && b.k === "string") {
          cost += Math.ceil((a.max + b.max) * 0.1);
          return { t: { k: "string", max: a.max + b.max }, cost };
        }
        if (a.k === "list" && b.k === "list") {
          cost += Math.ceil((a.max + b.max) * 0.1);
          return { t: { k: "list", elem: a.elem, max: a.max + b.max }, cost };
        }
        return { t: a.k === "dyn" ? b : a, cost };
      }
      case "_-_":
      case "_*_":
      case "_/_":
      case "_%_":
      case "-_":
        if (types.some((t) => t.k !== "dyn" && !NUMERIC.has(t.k))) mismatch();
        return { t: types[0]!.k === "dyn" ? (types[1] ?? DYN) : types[0]!, cost };
      case "_?_:_":
        if (types[0]!.k !== "bool" && types[0]!.k !== "dyn") mismatch();
        return { t: types[1]!.k === types[2]!.k ? types[1]! : DYN, cost };
      case "_[_]": {
        const [a] = types as [T];
        const t = a.k === "list" ? a.elem : a.k === "map" ? a.val : DYN;
        return { t, cost };
      }
      case "size":
        return { t: INT, cost };
      default:
        return { t: BOOL_RESULT.has(fn) ? BOOL : DYN, cost };
    }
  };
  const r = walk(expr, new Map());
  return { issues, resultType: name(r.t), cost: r.cost };
}

/**
 * Variable composition of admission policies (upstream's CompositedCompiler):
 * `variables` is an object type named `kubernetes.variables` whose fields are
 * the policy's variables, each typed by its expression's static type, so
 * `variables.missing` is an undefined field and `variables.name == 1` (name a
 * string) has no matching overload, as cel-go reports them. Variables are
 * compiled in order: each sees only the ones before it. A variable that does
 * not compile is dyn.
 */
import { compile, type CompileOptions, type CompileResult } from "./compile.ts";
import {
  BOOL,
  BYTES,
  DOUBLE,
  DURATION,
  DYN,
  INT,
  listOf,
  mapOf,
  NULL,
  STRING,
  TIMESTAMP,
  UINT,
  type T,
  type TypeSchema,
} from "./types.ts";

/** A static CEL type (a program's staticType), as compile()'s staticTypes take it. */
export type CelStaticType = T;

/** A named expression: a policy variable. */
export interface NamedExpression {
  name: string;
  expression: string;
}

const VARIABLES_SCHEMA: TypeSchema = { type: "object", celTypeName: "kubernetes.variables" };

/**
 * The declared type of a variable of static type `t`, as upstream converts
 * it (convertCelTypeToDeclType): scalars, timestamps and durations keep
 * their type, lists and maps keep their parameters (converted likewise, with
 * no size bound), anything else (objects, opaque library types, optionals,
 * types) is dyn.
 */
export function declaredType(t: T | undefined): T {
  switch (t?.k) {
    case "bool":
      return BOOL;
    case "int":
      return INT;
    case "uint":
      return UINT;
    case "double":
      return DOUBLE;
    case "bytes":
      return BYTES;
    case "null":
      return NULL;
    case "string":
      return STRING;
    case "timestamp":
      return TIMESTAMP;
    case "duration":
      return DURATION;
    case "list":
      return listOf(declaredType(t.elem));
    case "map":
      return mapOf(declaredType(t.key), declaredType(t.val));
    default:
      return DYN;
  }
}

/** The `kubernetes.variables` type with the given fields (undefined: the variable did not compile). */
export function variablesType(fields: readonly (readonly [string, T | undefined])[]): T {
  return {
    k: "object",
    schema: VARIABLES_SCHEMA,
    fields: Object.fromEntries(fields.map(([name, t]) => [name, declaredType(t)])),
  };
}

/**
 * Compiles `variables` in order, each with `variables` typed by the ones
 * before it; returns their results and the options to compile the policy's
 * other expressions with (`variables` typed by all of them). `options`
 * must declare "variables".
 */
export function compileVariables(
  variables: readonly NamedExpression[],
  options: CompileOptions,
): { results: CompileResult[]; options: CompileOptions } {
  const fields: [string, T | undefined][] = [];
  const withFields = (): CompileOptions => ({
    ...options,
    staticTypes: { ...options.staticTypes, variables: variablesType(fields) },
  });
  const results = variables.map((v) => {
    const r = compile(v.expression, withFields());
    fields.push([v.name, r.ok ? r.program.staticType : undefined]);
    return r;
  });
  return { results, options: withFields() };
}

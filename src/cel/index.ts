/**
 * Kubernetes CEL for k8ts (CRD x-kubernetes-validations, admission policies,
 * webhook matchConditions), over @bufbuild/cel.
 *
 * Usage:
 * ```ts
 * const r = compile("self.replicas <= 5", { variables: ["self", "oldSelf"] });
 * if (!r.ok) return fieldError(r.error.message);      // "compilation failed: ERROR: <input>:1:..."
 * const out = r.program.evaluate({ self: obj.spec }, { costLimit: PER_CALL_COST_LIMIT });
 * if (!out.ok) ... out.error                           // CelEvalError | CelCostError (code CEL_COST_LIMIT / CEL_TIMEOUT)
 * else if (out.value === true) ...                     // CelValue: boolean, bigint (int), number (double), string, CelList, CelMap...
 * fromCel(out.value)                                    // back to JSON (messageExpression results, variables)
 * ```
 *
 * - Variables are declared by name. compile() type-checks as cel-go's
 *   checker does (undefined fields, no matching overload, mixed literals;
 *   messages as upstream's): `types` gives schemas (CRD rules: self and
 *   oldSelf; date-time/date fields are timestamps, duration fields
 *   durations; as upstream's SchemaDeclType, properties without a type and
 *   unknown fields of preserve-unknown-fields objects are undefined fields,
 *   and only resource roots — withTypeAndObjectMeta() — and embedded
 *   resources have kind, apiVersion and metadata.name/generateName), `request` and `namespaceObject` get upstream's admission
 *   types, `authorizer` its type, `staticTypes` declares types directly
 *   (compileVariables() types a policy's `variables` as upstream's
 *   composition does), anything else is dyn. `program.resultType`
 *   is the static result type (check it with returnTypeError(program,
 *   ["bool"]) as upstream's admission compiler does). Bind JSON values
 *   (objects, arrays, numbers: integral → int, else double; pass `schemas`
 *   hints to keep `type: number` fields double and formats typed). Unbound
 *   variables error only when read; `program.references` tells whether a
 *   rule reads e.g. `oldSelf`.
 * - Admission variables (object, oldObject, request, params, namespaceObject)
 *   are plain JSON bindings, `variables` may be a lazyCelMap() (each value
 *   computed on first read, failures as CEL errors); bind `authorizer` to
 *   `authorizerValue({ user, requestResource })` and pass a synchronous
 *   `authorizer` callback in EvalOptions, or wrap the (synchronous) code
 *   that evaluates in `await withAsyncAuthorizer(celAuthorizerFor(authz,
 *   user), () => ...)`, which re-runs it until every check it makes was
 *   answered by the asynchronous authorizer (default: every check denied).
 * - Macros: the standard ones, cel-go's two-variable comprehensions
 *   (all/exists/existsOne(i, v, p), transformList, transformMap,
 *   transformMapEntry) and optMap/optFlatMap.
 * - Libraries: standard CEL, strings ext (charAt, indexOf, lastIndexOf,
 *   lowerAscii, upperAscii, replace, split, substring, trim, join, format,
 *   strings.quote), lists (isSorted, sum, min, max, indexOf, lastIndexOf),
 *   regex (find, findAll), url (url, isURL, getScheme, getHost, getHostname,
 *   getPort, getEscapedPath, getQuery), quantity (quantity, isQuantity,
 *   isInteger, asInteger, asApproximateFloat, sign, add, sub, isGreaterThan,
 *   isLessThan, compareTo), format (format.named, format.<name>(), validate),
 *   ip (ip, isIP, ip.isCanonical, family, isUnspecified, isLoopback,
 *   isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast, string), cidr (cidr,
 *   isCIDR, containsIP, containsCIDR, ip, masked, prefixLength, string),
 *   optional (optional.of/none/ofNonZeroValue/unwrap, hasValue, value, or, orValue, unwrapOpt, first, last, optMap, optFlatMap, optional list/map entries `[?x]`, `{?k: v}`, and
 *   the `x.?f` / `x[?k]` syntax), sets (sets.contains, sets.equivalent, sets.intersects), authorizer (path, group, resource, subresource, namespace, fieldSelector, labelSelector,
 *   name, serviceAccount, check, allowed, reason, errored, error).
 * - Cost: 1 per AST node plus, per comprehension iteration, 1 plus the nodes
 *   of its loop condition and step, plus size-based
 *   charges in library functions; over `costLimit` or `timeoutMs` the result
 *   is a CelCostError ("operation cancelled: actual cost limit exceeded").
 *   Evaluation never throws.
 */
export { compile, returnTypeError } from "./compile.ts";
export { compileVariables, declaredType, variablesType } from "./composition.ts";
export type { CelStaticType, NamedExpression } from "./composition.ts";
export type {
  CelProgram,
  CompileOptions,
  CompileResult,
  EvalOptions,
  EvalResult,
} from "./compile.ts";
export { CelCompileError, CelCostError, CelEvalError, formatIssue } from "./errors.ts";
export type { CelIssue } from "./errors.ts";
export {
  costErrorMessage,
  DEFAULT_EVAL_TIMEOUT_MS,
  PER_CALL_COST_LIMIT,
  RUNTIME_COST_BUDGET,
  STATIC_ESTIMATED_COST_LIMIT,
  STATIC_ESTIMATED_CRD_COST_LIMIT,
} from "./cost.ts";
export type { AuthzCheck, AuthzDecision, CelAuthorizer } from "./context.ts";
export { authorizerValue } from "./lib/authorizer.ts";
export { withAuthorizer } from "./context.ts";
export { celAuthorizerFor, MAX_AUTHZ_ROUNDS, withAsyncAuthorizer } from "./async-authorizer.ts";
export type { AsyncCelAuthorizer } from "./async-authorizer.ts";
export type { RequestResource } from "./lib/authorizer.ts";
export { celTypeName, fromCel, toCel } from "./values.ts";
export { lazyCelMap } from "./lazy-map.ts";
export type { LazyValue } from "./lazy-map.ts";
export type { CelSchemaHint } from "./values.ts";
export { NAMED_FORMATS } from "./lib/format.ts";
export { declTypeOfSchema, maxCardinality, maxElements, withTypeAndObjectMeta } from "./types.ts";
export type { TypeSchema } from "./types.ts";
export { NAMESPACE_TYPE, REQUEST_TYPE } from "./admission-types.ts";

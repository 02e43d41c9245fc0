/**
 * ValidatingAdmissionPolicy type checking, as upstream's TypeChecker: the
 * policy's matchConstraints.resourceRules are resolved to the kinds they
 * name (no wildcards, no subresources; at most 10, sorted by group, version,
 * kind), and each validation's expression and messageExpression is compiled
 * once per kind with `object` and `oldObject` typed by that kind's schema,
 * `params` by the paramKind's schema, `variables` composed from the
 * policy's variables (compiled with the same types). Return types are not
 * checked. Each failing expression gets one warning listing, per kind,
 * `apps/v1, Kind=Deployment: ERROR: <input>:1:8: undefined field 'foo'`
 * plus cel-go's source and caret lines. Kinds whose schema is unknown are
 * skipped. Schemas are typed as upstream's SchemaDeclType: properties
 * without a type (Quantity, raw JSON) and unknown fields of
 * preserve-unknown-fields objects are undefined fields. CEL must be loaded (loadCel) before calling typeCheckPolicy.
 */
import type { KObject } from "../../../api/types.ts";
import type { CompileOptions, TypeSchema } from "../../../cel/index.ts";
import { cel } from "../../../cel/lazy.ts";
import { POLICY_VARIABLES, policyVariables } from "./policy-evaluator.ts";
import type { GroupVersionKind, SchemaResolver } from "./schema-resolver.ts";

type Rec = Record<string, unknown>;

/** Upstream's cap on the kinds a policy is checked against. */
export const MAX_TYPES_TO_CHECK = 10;

/** One warning of status.typeChecking.expressionWarnings. */
export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

/** Finds the kinds a group/version/resource serves (a RESTMapper's KindsFor). */
export type KindsFor = (group: string, version: string, resource: string) => GroupVersionKind[];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Go's GroupVersionKind.String(): "apps/v1, Kind=Deployment", "/v1, Kind=Pod". */
export function gvkString(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
}

/** The kinds upstream type-checks a policy against (see the module doc). */
export function typesToCheck(policy: KObject, kindsFor: KindsFor): GroupVersionKind[] {
  const rules = ((policy.spec as Rec | undefined)?.matchConstraints as Rec | undefined)
    ?.resourceRules;
  const found = new Map<string, GroupVersionKind>();
  const sorted = (): GroupVersionKind[] =>
    [...found.values()].sort(
      (a, b) =>
        compare(a.group, b.group) || compare(a.version, b.version) || compare(a.kind, b.kind),
    );
  let count = 0;
  for (const rule of Array.isArray(rules) ? (rules as Rec[]) : []) {
    const groups = strings(rule.apiGroups);
    const versions = strings(rule.apiVersions);
    if (groups.some((g) => g.includes("*")) || versions.some((v) => v.includes("*"))) continue;
    const resources = strings(rule.resources).filter((r) => !/[*/]/.test(r));
    for (const group of groups.sort())
      for (const version of versions.sort())
        for (const resource of resources.sort())
          for (const gvk of kindsFor(group, version, resource)) {
            found.set(gvkString(gvk), gvk);
            if (++count === MAX_TYPES_TO_CHECK) return sorted();
          }
  }
  return sorted();
}

/** The paramKind's group/version/kind, if the policy has one. */
function paramsKind(policy: KObject): GroupVersionKind | undefined {
  const pk = (policy.spec as Rec | undefined)?.paramKind as Rec | undefined;
  if (!pk || typeof pk.apiVersion !== "string" || typeof pk.kind !== "string") return undefined;
  const parts = pk.apiVersion.split("/");
  if (parts.length > 2) return undefined;
  const [group, version] = parts.length === 2 ? parts : ["", parts[0]!];
  return { group: group!, version: version!, kind: pk.kind };
}

/** The policy's expression warnings (empty when every expression checks). */
export function typeCheckPolicy(
  policy: KObject,
  kindsFor: KindsFor,
  resolve: SchemaResolver,
): ExpressionWarning[] {
  // Resolved schemas are resource roots (upstream: SchemaDeclType(s, true)).
  const root = (s: TypeSchema | undefined) => s && cel().withTypeAndObjectMeta(s);
  const kinds = typesToCheck(policy, kindsFor).flatMap((gvk) => {
    const schema = root(resolve(gvk));
    return schema ? [{ gvk, schema }] : [];
  });
  if (kinds.length === 0) return [];
  const spec = (policy.spec ?? {}) as Rec;
  const pk = paramsKind(policy);
  const params = pk ? root(resolve(pk)) : undefined;
  const variables = policyVariables(spec);
  const perKind = kinds.map(({ gvk, schema }) => {
    const base: CompileOptions = {
      variables: POLICY_VARIABLES,
      types: { object: schema, oldObject: schema, params },
    };
    return { gvk, options: cel().compileVariables(variables, base).options };
  });
  const check = (expression: string): string | undefined => {
    const messages: string[] = [];
    for (const { gvk, options } of perKind) {
      const r = cel().compile(expression, options);
      if (!r.ok) messages.push(`${gvkString(gvk)}: ${r.error.detail}\n`);
    }
    return messages.length > 0 ? messages.join("\n") : undefined;
  };
  const warnings: ExpressionWarning[] = [];
  const validations = Array.isArray(spec.validations) ? (spec.validations as Rec[]) : [];
  validations.forEach((v, i) => {
    for (const field of ["expression", "messageExpression"]) {
      const source = v[field];
      if (typeof source !== "string" || source === "") continue;
      const warning = check(source);
      if (warning) warnings.push({ fieldRef: `spec.validations[${i}].${field}`, warning });
    }
  });
  return warnings;
}

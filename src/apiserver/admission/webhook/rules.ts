/**
 * Rule matching shared by admission webhooks and admission policies, as
 * upstream's admission/plugin/webhook/predicates/rules and the generic
 * matcher: operations, apiGroups, apiVersions, resources with subresources
 * and wildcards, scope, and matchPolicy Equivalent (a rule naming another
 * version of the same stored resource matches, and the object is presented
 * in the rule's version).
 */
import type { Registry } from "../../../api/registry.ts";
import type { KObject, ResourceDef } from "../../../api/types.ts";
import { convertObjects } from "../../object-store.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";

type Rec = Record<string, unknown>;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const has = (list: string[], v: string) => list.includes("*") || list.includes(v);

/** What a rule is matched against: one group/version/resource/subresource under one operation. */
export interface RuleTarget {
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** The request's namespace ("" for cluster-scoped objects and namespaces themselves). */
  namespace: string;
}

/** Whether a RuleWithOperations matches the target. */
export function ruleMatches(rule: Rec, t: RuleTarget): boolean {
  if (!has(strings(rule.operations), t.operation)) return false;
  if (!has(strings(rule.apiGroups), t.group)) return false;
  if (!has(strings(rule.apiVersions), t.version)) return false;
  const resourceOk = strings(rule.resources).some((r) => {
    const slash = r.indexOf("/");
    const [res, sub] = slash < 0 ? [r, ""] : [r.slice(0, slash), r.slice(slash + 1)];
    return (res === "*" || res === t.resource) && (sub === "*" || sub === t.subresource);
  });
  if (!resourceOk) return false;
  const scope = rule.scope ?? "*";
  if (scope === "Cluster") return t.namespace === "";
  if (scope === "Namespaced") return t.namespace !== "";
  return true;
}

/** The request's own target. */
export function targetOf(attrs: AdmissionAttributes, def: ResourceDef = attrs.def): RuleTarget {
  return {
    operation: attrs.operation,
    group: def.group,
    version: def.version,
    resource: def.resource,
    subresource: attrs.subresource,
    namespace: attrs.namespace,
  };
}

/** Other served versions of the request's stored resource (autoscaling v1/v2 HPAs ...). */
export function equivalentDefs(registry: Registry, def: ResourceDef): ResourceDef[] {
  const id = (d: ResourceDef) =>
    d.storage ? `${d.storage.group}/${d.storage.resource}` : `${d.group}/${d.resource}`;
  const mine = id(def);
  return registry.all().filter((d) => d !== def && id(d) === mine);
}

/**
 * The resource version a rule list matches the request as: the request's own
 * def on an exact match, else (matchPolicy Equivalent) an equivalent def, else undefined.
 */
export function matchRules(
  rules: Rec[],
  attrs: AdmissionAttributes,
  matchPolicy: unknown,
  registry: Registry,
): ResourceDef | undefined {
  const own = targetOf(attrs);
  if (rules.some((r) => ruleMatches(r, own))) return attrs.def;
  if (matchPolicy === "Exact") return undefined;
  for (const eq of equivalentDefs(registry, attrs.def)) {
    const t = targetOf(attrs, eq);
    if (rules.some((r) => ruleMatches(r, t))) return eq;
  }
  return undefined;
}

/**
 * The object converted into `def`'s version (the same object when no
 * conversion applies); awaits webhook conversion of custom resources.
 */
export async function inVersion(
  obj: KObject | undefined,
  def: ResourceDef,
): Promise<KObject | undefined> {
  if (!obj) return obj;
  const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  if (obj.apiVersion === apiVersion || (!def.convert && !def.convertMany)) return obj;
  return (await convertObjects(def, [obj], apiVersion))[0];
}

/**
 * Whether the request is exempt from webhooks and policies: writes to the
 * admissionregistration.k8s.io objects themselves, so a broken webhook or
 * policy can always be removed (upstream's IsExemptAdmissionConfigurationResource).
 */
export function isExemptConfigurationResource(attrs: AdmissionAttributes): boolean {
  return attrs.def.group === "admissionregistration.k8s.io";
}

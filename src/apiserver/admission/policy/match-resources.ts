/**
 * MatchResources of ValidatingAdmissionPolicy (matchConstraints) and its
 * bindings (matchResources), as upstream's generic policy matcher:
 * namespaceSelector, objectSelector, resourceRules (with resourceNames),
 * excludeResourceRules (taking precedence), matchPolicy Equivalent.
 */
import type { Registry } from "../../../api/registry.ts";
import type { ResourceDef } from "../../../api/types.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";
import { equivalentDefs, ruleMatches, targetOf } from "../webhook/rules.ts";
import { namespaceMatches, objectMatches, type NamespaceGetter } from "../webhook/selectors.ts";

type Rec = Record<string, unknown>;
const objects = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);

function namedRuleMatches(rule: Rec, attrs: AdmissionAttributes, def: ResourceDef): boolean {
  const names = Array.isArray(rule.resourceNames) ? rule.resourceNames.map(String) : [];
  if (names.length > 0 && !names.includes(attrs.name)) return false;
  return ruleMatches(rule, targetOf(attrs, def));
}

/**
 * The def the request matches `m` as (its own, or an equivalent version
 * under matchPolicy Equivalent), or undefined. `requireRules`: an empty
 * resourceRules matches nothing (policies) rather than everything (bindings).
 */
export async function matchResources(
  m: Rec | undefined,
  attrs: AdmissionAttributes,
  opts: { registry: Registry; getNamespace: NamespaceGetter; requireRules: boolean },
): Promise<ResourceDef | undefined> {
  if (!m) return opts.requireRules ? undefined : attrs.def;
  if (!(await namespaceMatches(m.namespaceSelector, attrs, opts.getNamespace))) return undefined;
  if (!objectMatches(m.objectSelector, attrs)) return undefined;
  const include = objects(m.resourceRules);
  const exclude = objects(m.excludeResourceRules);
  const candidates =
    m.matchPolicy === "Exact"
      ? [attrs.def]
      : [attrs.def, ...equivalentDefs(opts.registry, attrs.def)];
  if (exclude.some((r) => candidates.some((d) => namedRuleMatches(r, attrs, d)))) return undefined;
  if (include.length === 0) return opts.requireRules ? undefined : attrs.def;
  return candidates.find((d) => include.some((r) => namedRuleMatches(r, attrs, d)));
}

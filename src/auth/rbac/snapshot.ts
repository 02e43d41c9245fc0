/**
 * A point-in-time view of the RBAC objects, with ClusterRole aggregation
 * applied (an aggregated role's rules are the union of the rules of the
 * roles its clusterRoleSelectors match, as upstream's aggregation controller
 * computes them).
 */
import type { KObject } from "../../api/types.ts";
import type { PolicyRule } from "../types.ts";
import type { Subject } from "./rules.ts";

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

export interface BindingView {
  namespace: string;
  name: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

export interface RbacSnapshot {
  clusterRoles: Map<string, PolicyRule[]>;
  /** "namespace/name" → rules. */
  roles: Map<string, PolicyRule[]>;
  clusterRoleBindings: BindingView[];
  /** namespace → bindings. */
  roleBindings: Map<string, BindingView[]>;
  /** Aggregated cluster roles whose stored rules differ from the computed ones. */
  staleAggregations: { role: KObject; rules: PolicyRule[] }[];
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether labels satisfy a label selector (an empty selector matches nothing here). */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  const ml = Object.entries(sel.matchLabels ?? {});
  const me = sel.matchExpressions ?? [];
  if (ml.length === 0 && me.length === 0) return false;
  for (const [k, v] of ml) if (labels[k] !== v) return false;
  for (const e of me) {
    const has = Object.hasOwn(labels, e.key);
    const vals = e.values ?? [];
    if (e.operator === "In" && !(has && vals.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && vals.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const rulesOf = (o: KObject) =>
  ((o.rules as PolicyRule[] | undefined) ?? []).map((r) => ({ ...r }));

function bindingView(o: KObject): BindingView {
  return {
    namespace: o.metadata?.namespace ?? "",
    name: o.metadata?.name ?? "",
    roleRef: o.roleRef as RoleRef,
    subjects: (o.subjects as Subject[] | undefined) ?? [],
  };
}

/** Builds a snapshot from listed objects. */
export function buildSnapshot(
  clusterRoles: KObject[],
  roles: KObject[],
  clusterRoleBindings: KObject[],
  roleBindings: KObject[],
): RbacSnapshot {
  const crRules = new Map<string, PolicyRule[]>();
  const stale: RbacSnapshot["staleAggregations"] = [];
  for (const cr of clusterRoles) crRules.set(cr.metadata?.name ?? "", rulesOf(cr));
  const sorted = [...clusterRoles].sort((a, b) =>
    (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
  );
  const aggregatedRoles = sorted.filter(
    (cr) =>
      ((cr.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined)
        ?.clusterRoleSelectors?.length ?? 0) > 0,
  );
  // Aggregated roles may aggregate each other (admin ⊇ edit ⊇ view): iterate to a fixpoint.
  for (let pass = 0; pass < 5; pass++) {
    let changed = false;
    for (const cr of aggregatedRoles) {
      const selectors = (cr.aggregationRule as { clusterRoleSelectors: LabelSelector[] })
        .clusterRoleSelectors;
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const other of sorted) {
        if (other === cr) continue;
        if (!selectors.some((s) => selectorMatches(s, other.metadata?.labels ?? {}))) continue;
        for (const r of crRules.get(other.metadata?.name ?? "") ?? []) {
          const key = JSON.stringify(r);
          if (seen.has(key)) continue;
          seen.add(key);
          rules.push(r);
        }
      }
      const name = cr.metadata?.name ?? "";
      if (JSON.stringify(crRules.get(name)) !== JSON.stringify(rules)) {
        crRules.set(name, rules);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const cr of aggregatedRoles) {
    const rules = crRules.get(cr.metadata?.name ?? "") ?? [];
    if (JSON.stringify(rulesOf(cr)) !== JSON.stringify(rules)) stale.push({ role: cr, rules });
  }
  const roleMap = new Map<string, PolicyRule[]>();
  for (const r of roles) roleMap.set(`${r.metadata?.namespace}/${r.metadata?.name}`, rulesOf(r));
  const rbs = new Map<string, BindingView[]>();
  for (const b of roleBindings) {
    const v = bindingView(b);
    const list = rbs.get(v.namespace) ?? [];
    list.push(v);
    rbs.set(v.namespace, list);
  }
  return {
    clusterRoles: crRules,
    roles: roleMap,
    clusterRoleBindings: clusterRoleBindings.map(bindingView),
    roleBindings: rbs,
    staleAggregations: stale,
  };
}

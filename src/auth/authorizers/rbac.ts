/**
 * The RBAC authorizer: allows when a rule of a role bound to the user (by a
 * ClusterRoleBinding, or a RoleBinding in the request's namespace) allows the
 * request; otherwise no opinion, as upstream (RBAC never denies).
 */
import type { Authorizer, AuthzAttributes, AuthzResult, PolicyRule, UserInfo } from "../types.ts";
import { NO_OPINION } from "../types.ts";
import { ruleAllows, subjectMatches } from "../rbac/rules.ts";
import type { BindingView, RbacSnapshot } from "../rbac/snapshot.ts";

/** A snapshot of the RBAC objects; `fresh` bypasses any cache. */
export type RbacSnapshotSource = (fresh: boolean) => Promise<RbacSnapshot>;

function rulesOfBinding(s: RbacSnapshot, b: BindingView): PolicyRule[] {
  if (b.roleRef?.kind === "ClusterRole") return s.clusterRoles.get(b.roleRef.name) ?? [];
  if (b.roleRef?.kind === "Role") return s.roles.get(`${b.namespace}/${b.roleRef.name}`) ?? [];
  return [];
}

/** Every rule the user holds in `namespace` ("" → cluster-wide bindings only). */
export function userRules(s: RbacSnapshot, user: UserInfo, namespace: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const b of s.clusterRoleBindings)
    if (b.subjects.some((sub) => subjectMatches(sub, user, "")))
      rules.push(...rulesOfBinding(s, b));
  if (namespace)
    for (const b of s.roleBindings.get(namespace) ?? [])
      if (b.subjects.some((sub) => subjectMatches(sub, user, namespace)))
        rules.push(...rulesOfBinding(s, b));
  return rules;
}

function decide(s: RbacSnapshot, attrs: AuthzAttributes): AuthzResult | undefined {
  for (const b of s.clusterRoleBindings) {
    if (!b.subjects.some((sub) => subjectMatches(sub, attrs.user, ""))) continue;
    if (rulesOfBinding(s, b).some((r) => ruleAllows(attrs, r)))
      return {
        decision: "allow",
        reason: `RBAC: allowed by ClusterRoleBinding "${b.name}" of ClusterRole "${b.roleRef.name}" to User "${attrs.user.username}"`,
      };
  }
  if (attrs.namespace)
    for (const b of s.roleBindings.get(attrs.namespace) ?? []) {
      if (!b.subjects.some((sub) => subjectMatches(sub, attrs.user, attrs.namespace))) continue;
      if (rulesOfBinding(s, b).some((r) => ruleAllows(attrs, r)))
        return {
          decision: "allow",
          reason: `RBAC: allowed by RoleBinding "${b.name}/${attrs.namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to User "${attrs.user.username}"`,
        };
    }
  return undefined;
}

/** The RBAC authorizer over a snapshot source (re-read fresh before giving up). */
export function rbacAuthorizer(source: RbacSnapshotSource): Authorizer {
  return {
    name: "RBAC",
    async authorize(attrs) {
      const cached = decide(await source(false), attrs);
      if (cached) return cached;
      return decide(await source(true), attrs) ?? NO_OPINION;
    },
    async rulesFor(user, namespace) {
      return { rules: userRules(await source(true), user, namespace), incomplete: false };
    },
  };
}

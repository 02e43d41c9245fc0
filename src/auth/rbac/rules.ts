/**
 * RBAC rule and subject matching, as upstream's rbac/v1 helpers: verbs,
 * API groups, resources (with "res/sub", "*" and "*\/sub"), resource names
 * and non-resource URLs (exact or "prefix*").
 */
import type { AuthzAttributes, PolicyRule, UserInfo } from "../types.ts";

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

const has = (list: string[] | undefined, v: string) =>
  (list ?? []).includes("*") || (list ?? []).includes(v);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === "*" || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Whether a rule allows the request. */
export function ruleAllows(attrs: AuthzAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.isResourceRequest) return nonResourceURLMatches(rule, attrs.path);
  if (!has(rule.apiGroups, attrs.apiGroup)) return false;
  if (!resourceMatches(rule, attrs.resource, attrs.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attrs.name !== "" && names.includes(attrs.name));
}

/** Whether a binding subject names the user; `bindingNamespace` defaults SA namespaces. */
export function subjectMatches(
  subject: Subject,
  user: UserInfo,
  bindingNamespace: string,
): boolean {
  switch (subject.kind) {
    case "User":
      return user.username === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const ns = subject.namespace || bindingNamespace;
      return user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/**
 * Whether `owned` covers `requested` (escalation check): every verb, group,
 * resource, name and URL the requested rule grants is granted by some owned
 * rule. Checked per expanded (verb, group, resource, name) tuple.
 */
export function rulesCover(owned: PolicyRule[], requested: PolicyRule): boolean {
  const verbs = requested.verbs ?? [];
  if (requested.nonResourceURLs && requested.nonResourceURLs.length > 0) {
    return requested.nonResourceURLs.every((url) =>
      verbs.every((verb) =>
        owned.some(
          (o) =>
            has(o.verbs, verb) &&
            (o.nonResourceURLs ?? []).some(
              (u) => u === "*" || u === url || (u.endsWith("*") && url.startsWith(u.slice(0, -1))),
            ),
        ),
      ),
    );
  }
  const names = requested.resourceNames?.length ? requested.resourceNames : [""];
  for (const verb of verbs)
    for (const group of requested.apiGroups ?? [])
      for (const res of requested.resources ?? [])
        for (const name of names) {
          const ok = owned.some((o) => {
            if (!has(o.verbs, verb) || !has(o.apiGroups, group)) return false;
            const rs = o.resources ?? [];
            const resOk =
              rs.includes("*") ||
              rs.includes(res) ||
              (res.includes("/") && rs.includes(`*/${res.split("/")[1]}`));
            if (!resOk) return false;
            const on = o.resourceNames ?? [];
            return on.length === 0 || (name !== "" && on.includes(name));
          });
          if (!ok) return false;
        }
  return true;
}

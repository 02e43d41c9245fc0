/**
 * Audit policy (audit.k8s.io/v1 Policy): the first rule matching a request
 * sets its level (None, Metadata, Request, RequestResponse); no match is None.
 * Rules match on users, userGroups, verbs, resources (group, resources with
 * "res/sub", "*", "*\/sub", resourceNames), namespaces and nonResourceURLs
 * ("/prefix*"), as upstream's policy checker.
 */
import { parseYaml as parse } from "../../util/yaml-on-use.ts";
import type { AuthzAttributes } from "../types.ts";

export type AuditLevel = "None" | "Metadata" | "Request" | "RequestResponse";
export type AuditStage = "RequestReceived" | "ResponseStarted" | "ResponseComplete" | "Panic";

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages: AuditStage[];
}

export class AuditPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditPolicyError";
  }
}

const LEVELS: AuditLevel[] = ["None", "Metadata", "Request", "RequestResponse"];

/** Parses a Policy (YAML or JSON). */
export function parseAuditPolicy(text: string): AuditPolicy {
  const doc = parse(text) as { kind?: string; rules?: PolicyRule[]; omitStages?: AuditStage[] };
  if (doc?.kind !== "Policy") throw new AuditPolicyError('kind must be "Policy"');
  const rules = doc.rules ?? [];
  rules.forEach((r, i) => {
    if (!LEVELS.includes(r.level))
      throw new AuditPolicyError(`rules[${i}].level: Unsupported value: "${r.level}"`);
  });
  return { rules, omitStages: doc.omitStages ?? [] };
}

function resourceMatches(list: GroupResources[], a: AuthzAttributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return list.some((gr) => {
    if ((gr.group ?? "") !== a.apiGroup && gr.group !== "*") return false;
    const rs = gr.resources ?? [];
    if (rs.length > 0) {
      const ok = rs.some(
        (r) =>
          r === "*" ||
          r === combined ||
          (a.subresource !== "" && r === `*/${a.subresource}`) ||
          (r === `${a.resource}/*` && a.subresource !== ""),
      );
      if (!ok) return false;
    }
    const names = gr.resourceNames ?? [];
    return names.length === 0 || names.includes(a.name);
  });
}

function ruleMatches(r: PolicyRule, a: AuthzAttributes): boolean {
  if (r.users?.length && !r.users.includes(a.user.username)) return false;
  if (r.userGroups?.length && !r.userGroups.some((g) => a.user.groups.includes(g))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (a.isResourceRequest) {
    if (r.nonResourceURLs?.length) return false;
    if (r.resources?.length && !resourceMatches(r.resources, a)) return false;
    if (r.namespaces?.length && !r.namespaces.includes(a.namespace)) return false;
    return true;
  }
  if (r.resources?.length || r.namespaces?.length) return false;
  if (!r.nonResourceURLs?.length) return true;
  return r.nonResourceURLs.some(
    (u) => u === "*" || u === a.path || (u.endsWith("*") && a.path.startsWith(u.slice(0, -1))),
  );
}

/** The level and omitted stages for a request. */
export function evaluatePolicy(
  p: AuditPolicy,
  a: AuthzAttributes,
): { level: AuditLevel; omitStages: AuditStage[] } {
  for (const r of p.rules)
    if (ruleMatches(r, a))
      return { level: r.level, omitStages: [...p.omitStages, ...(r.omitStages ?? [])] };
  return { level: "None", omitStages: p.omitStages };
}

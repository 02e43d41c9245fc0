/**
 * The ABAC authorizer: --authorization-policy-file holds one JSON Policy
 * object per line (abac.authorization.kubernetes.io/v1beta1, or v0's flat
 * form), as upstream's abac package. A policy allows a request when its
 * subject (user or group, "*" for any) matches, readonly policies only for
 * get/list/watch, and either its resource fields (namespace, resource,
 * apiGroup; "*" wildcards) or its nonResourcePath ("*", exact, "/prefix/*").
 */
import type { Authorizer, AuthzAttributes, PolicyRule } from "../types.ts";
import { NO_OPINION } from "../types.ts";

export interface AbacPolicySpec {
  user?: string;
  group?: string;
  readonly?: boolean;
  apiGroup?: string;
  resource?: string;
  namespace?: string;
  nonResourcePath?: string;
}

export class AbacPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbacPolicyError";
  }
}

/** Parses a policy file; throws AbacPolicyError naming the line. */
export function parseAbacPolicies(text: string): AbacPolicySpec[] {
  const out: AbacPolicySpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new AbacPolicyError(`policy file line ${i + 1}: ${(err as Error).message}`);
    }
    const spec = (obj.spec ?? obj) as AbacPolicySpec;
    if (!spec.user && !spec.group)
      throw new AbacPolicyError(`policy file line ${i + 1}: a policy needs a user or a group`);
    out.push(spec);
  });
  return out;
}

const READONLY = ["get", "list", "watch"];
const wild = (p: string | undefined, v: string) => p === "*" || (p ?? "") === v;

function subjectMatches(p: AbacPolicySpec, attrs: AuthzAttributes): boolean {
  if (p.user && (p.user === "*" || p.user === attrs.user.username)) return true;
  if (p.group && (p.group === "*" || attrs.user.groups.includes(p.group))) return true;
  return false;
}

/** Whether one policy allows the request. */
export function abacPolicyAllows(p: AbacPolicySpec, attrs: AuthzAttributes): boolean {
  if (!subjectMatches(p, attrs)) return false;
  if (p.readonly && !READONLY.includes(attrs.verb)) return false;
  if (attrs.isResourceRequest) {
    if (!p.namespace && !p.resource && !p.apiGroup) return false;
    return (
      wild(p.namespace, attrs.namespace) &&
      wild(p.resource, attrs.resource) &&
      wild(p.apiGroup, attrs.apiGroup)
    );
  }
  const path = p.nonResourcePath;
  if (!path) return false;
  if (path === "*" || path === attrs.path) return true;
  return path.endsWith("*") && attrs.path.startsWith(path.slice(0, -1));
}

export function abacAuthorizer(policies: AbacPolicySpec[]): Authorizer {
  return {
    name: "ABAC",
    async authorize(attrs) {
      return policies.some((p) => abacPolicyAllows(p, attrs))
        ? { decision: "allow", reason: "" }
        : NO_OPINION;
    },
    async rulesFor(user, namespace) {
      const rules: PolicyRule[] = [];
      for (const p of policies) {
        const who = { ...emptyAttrs(), user };
        if (!subjectMatches(p, who)) continue;
        const verbs = p.readonly ? READONLY : ["*"];
        if (p.nonResourcePath) rules.push({ verbs, nonResourceURLs: [p.nonResourcePath] });
        else if (p.namespace === "*" || p.namespace === namespace)
          rules.push({ verbs, apiGroups: [p.apiGroup || "*"], resources: [p.resource || "*"] });
      }
      return { rules, incomplete: false };
    },
  };
}

function emptyAttrs(): AuthzAttributes {
  return {
    user: { username: "", groups: [] },
    verb: "",
    isResourceRequest: false,
    namespace: "",
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    name: "",
    path: "",
  };
}

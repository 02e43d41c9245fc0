/**
 * RBAC escalation prevention, as upstream's rbac registry: creating or
 * updating a Role/ClusterRole needs every rule it grants to be held by the
 * user (in that namespace, or cluster-wide) unless the user may `escalate`
 * it; creating a binding needs the referenced role's rules to be held unless
 * the user may `bind` that role.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../apiserver/pipeline.ts";
import type { Authorizer, PolicyRule, UserInfo } from "../types.ts";
import { rulesCover } from "../rbac/rules.ts";
import { userRules } from "../authorizers/rbac.ts";
import type { RbacSnapshot } from "../rbac/snapshot.ts";

const RBAC = "rbac.authorization.k8s.io";

function ruleText(r: PolicyRule): string {
  const q = (l: string[] | undefined) => (l ?? []).map((s) => JSON.stringify(s)).join(" ");
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:[${q(r.apiGroups)}]`);
  if (r.resources?.length) parts.push(`Resources:[${q(r.resources)}]`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:[${q(r.resourceNames)}]`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:[${q(r.nonResourceURLs)}]`);
  parts.push(`Verbs:[${q(r.verbs)}]`);
  return `{${parts.join(", ")}}`;
}

function escalationError(a: AdmissionAttributes, missing: PolicyRule[]): StatusError {
  const groups = a.user.groups.map((g) => JSON.stringify(g)).join(" ");
  return new StatusError(
    "Forbidden",
    `${a.def.resource}.${RBAC} "${a.name || a.object?.metadata?.name || ""}" is forbidden: user "${a.user.username}" (groups=[${groups}]) is attempting to grant RBAC permissions not currently held:\n${missing.map(ruleText).join("\n")}`,
    { name: a.name || a.object?.metadata?.name, group: RBAC, kind: a.def.resource },
  );
}

/** The escalation check as an admission plugin. */
export function rbacEscalationPlugin(
  authorizer: Authorizer,
  snapshot: () => Promise<RbacSnapshot>,
): AdmissionPlugin {
  const may = async (
    user: UserInfo,
    verb: string,
    resource: string,
    namespace: string,
    name: string,
  ) =>
    (
      await authorizer.authorize({
        user,
        verb,
        isResourceRequest: true,
        namespace,
        apiGroup: RBAC,
        apiVersion: "v1",
        resource,
        subresource: "",
        name,
        path: "",
      })
    ).decision === "allow";

  const missingRules = async (user: UserInfo, namespace: string, rules: PolicyRule[]) => {
    const owned = userRules(await snapshot(), user, namespace);
    return rules.filter((r) => !rulesCover(owned, r));
  };

  return {
    name: "RBACEscalation",
    validate(a) {
      if (a.def.group !== RBAC || (a.operation !== "CREATE" && a.operation !== "UPDATE")) return;
      return checkEscalation(a);
    },
  };

  async function checkEscalation(a: AdmissionAttributes): Promise<void> {
    const obj = a.object as KObject;
    const name = obj.metadata?.name ?? "";
    const ns = obj.metadata?.namespace ?? "";
    if (a.def.resource === "roles" || a.def.resource === "clusterroles") {
      if (await may(a.user, "escalate", a.def.resource, ns, name)) return;
      if (obj.aggregationRule && a.def.resource === "clusterroles") return;
      const missing = await missingRules(a.user, ns, (obj.rules as PolicyRule[] | undefined) ?? []);
      if (missing.length > 0) throw escalationError(a, missing);
      return;
    }
    if (a.def.resource === "rolebindings" || a.def.resource === "clusterrolebindings") {
      const ref = obj.roleRef as { kind: string; name: string } | undefined;
      if (!ref) return;
      const roleResource = ref.kind === "Role" ? "roles" : "clusterroles";
      if (await may(a.user, "bind", roleResource, ref.kind === "Role" ? ns : ns, ref.name)) return;
      const s = await snapshot();
      const rules =
        ref.kind === "Role"
          ? (s.roles.get(`${ns}/${ref.name}`) ?? [])
          : (s.clusterRoles.get(ref.name) ?? []);
      const missing = await missingRules(a.user, ns, rules);
      if (missing.length > 0) throw escalationError(a, missing);
    }
  }
}

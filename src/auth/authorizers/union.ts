/**
 * The authorizer chain of --authorization-mode: each authorizer in order,
 * the first allow or deny wins; no opinion from all is a denial whose
 * reason joins the authorizers' reasons.
 */
import type { Authorizer, AuthzAttributes, AuthzResult, PolicyRule, UserInfo } from "../types.ts";

export function unionAuthorizer(authorizers: Authorizer[]): Authorizer {
  return {
    name: "Union",
    async authorize(attrs: AuthzAttributes): Promise<AuthzResult> {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const r = await a.authorize(attrs);
        if (r.decision !== "noOpinion") return r;
        if (r.reason) reasons.push(r.reason);
      }
      return { decision: "noOpinion", reason: reasons.join(", ") };
    },
    async rulesFor(user: UserInfo, namespace: string) {
      const rules: PolicyRule[] = [];
      let incomplete = false;
      for (const a of authorizers) {
        if (!a.rulesFor) {
          incomplete = true;
          continue;
        }
        const r = await a.rulesFor(user, namespace);
        rules.push(...r.rules);
        incomplete ||= r.incomplete;
      }
      return { rules, incomplete };
    },
  };
}

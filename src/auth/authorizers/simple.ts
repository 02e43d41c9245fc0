/**
 * AlwaysAllow, AlwaysDeny and the privileged-groups authorizer (system:masters
 * may do anything; upstream puts it first whenever authorization is not AlwaysAllow).
 */
import type { Authorizer } from "../types.ts";
import { NO_OPINION } from "../types.ts";

const EVERYTHING = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
];

export function alwaysAllowAuthorizer(): Authorizer {
  return {
    name: "AlwaysAllow",
    async authorize() {
      return { decision: "allow", reason: "" };
    },
    async rulesFor() {
      return { rules: EVERYTHING, incomplete: false };
    },
  };
}

export function alwaysDenyAuthorizer(): Authorizer {
  return {
    name: "AlwaysDeny",
    async authorize() {
      return { decision: "deny", reason: "Everything is forbidden." };
    },
    async rulesFor() {
      return { rules: [], incomplete: false };
    },
  };
}

/** Allows every request of a user in one of `groups`. */
export function privilegedGroupsAuthorizer(groups: string[]): Authorizer {
  return {
    name: "PrivilegedGroups",
    async authorize(attrs) {
      return attrs.user.groups.some((g) => groups.includes(g))
        ? { decision: "allow", reason: "" }
        : NO_OPINION;
    },
    async rulesFor(user) {
      return user.groups.some((g) => groups.includes(g))
        ? { rules: EVERYTHING, incomplete: false }
        : { rules: [], incomplete: false };
    },
  };
}

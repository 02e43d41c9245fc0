/**
 * Bridges the CEL `authorizer` library (synchronous: CEL evaluation cannot
 * await) to an asynchronous authorizer such as the API server's RBAC chain.
 *
 * withAsyncAuthorizer(authorize, run) runs `run` (any synchronous code that
 * evaluates CEL programs, e.g. a whole admission policy) with an authorizer
 * that answers from a cache; checks not yet in the cache are recorded and
 * answered "deny" for that round. The recorded checks are then resolved
 * concurrently and `run` is repeated, until a round records nothing new
 * (every check the expressions made was answered for real) or `maxRounds`
 * is reached. Because CEL is deterministic for fixed bindings, each round
 * discovers only checks reachable with the answers already known; the result
 * returned is that of the last round.
 *
 * Contract: `run` must be free of side effects (it may run several times).
 * Checks that throw or reject are answered { decision: "noOpinion", error }.
 */
import type { AuthzAttributes, Authorizer, UserInfo } from "../auth/types.ts";
import { withAuthorizer, type AuthzCheck, type AuthzDecision } from "./context.ts";

/** An asynchronous authorizer of CEL checks. */
export type AsyncCelAuthorizer = (check: AuthzCheck) => Promise<AuthzDecision>;

/** Default bound on evaluation rounds (each round may resolve many checks at once). */
export const MAX_AUTHZ_ROUNDS = 8;

function keyOf(c: AuthzCheck): string {
  return JSON.stringify([
    c.user ?? "",
    c.verb,
    c.path ?? "",
    c.group ?? "",
    c.resource ?? "",
    c.subresource ?? "",
    c.namespace ?? "",
    c.name ?? "",
    c.fieldSelector ?? "",
    c.labelSelector ?? "",
  ]);
}

/** Runs `run` until every authorizer check it makes has a real answer (see module doc). */
export async function withAsyncAuthorizer<T>(
  authorize: AsyncCelAuthorizer,
  run: () => T,
  options: { maxRounds?: number } = {},
): Promise<T> {
  const answers = new Map<string, AuthzDecision>();
  const maxRounds = options.maxRounds ?? MAX_AUTHZ_ROUNDS;
  for (let round = 1; ; round++) {
    const pending = new Map<string, AuthzCheck>();
    const result = withAuthorizer((check) => {
      const key = keyOf(check);
      const known = answers.get(key);
      if (known) return known;
      pending.set(key, { ...check });
      return { decision: "deny", reason: "authorization check pending" };
    }, run);
    if (pending.size === 0 || round >= maxRounds) return result;
    await Promise.all(
      [...pending].map(async ([key, check]) => {
        let d: AuthzDecision;
        try {
          d = await authorize(check);
        } catch (e) {
          d = { decision: "noOpinion", error: (e as Error).message ?? String(e) };
        }
        answers.set(key, d);
      }),
    );
  }
}

/** The user a check is made for: `user`, or the service account named by the check. */
function subjectOf(check: AuthzCheck, user: UserInfo): UserInfo {
  if (!check.user || check.user === user.username) return user;
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(check.user);
  const groups = m
    ? ["system:serviceaccounts", `system:serviceaccounts:${m[1]}`, "system:authenticated"]
    : [];
  return { username: check.user, groups };
}

/**
 * An AsyncCelAuthorizer over the server's Authorizer for the requesting
 * `user` (authorizer.serviceAccount(ns, name) checks that service account).
 */
export function celAuthorizerFor(authorizer: Authorizer, user: UserInfo): AsyncCelAuthorizer {
  return async (check) => {
    const attrs: AuthzAttributes = {
      user: subjectOf(check, user),
      verb: check.verb,
      isResourceRequest: check.path === undefined,
      namespace: check.namespace ?? "",
      apiGroup: check.group ?? "",
      apiVersion: "*",
      resource: check.resource ?? "",
      subresource: check.subresource ?? "",
      name: check.name ?? "",
      path: check.path ?? "",
    };
    const r = await authorizer.authorize(attrs);
    return { decision: r.decision, reason: r.reason };
  };
}

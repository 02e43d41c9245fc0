/**
 * The authenticator chain of a request, in upstream's order: x509 client
 * certificate, then the bearer token through each token authenticator, then
 * (with --anonymous-auth) system:anonymous. The first success wins; any
 * presented-but-invalid credential fails the request (no anonymous fallback),
 * as upstream's union wrapped with fail-on-error for anonymous.
 */
import type { IncomingMessage } from "node:http";
import type { AuthnResult, RequestAuthenticator, TokenAuthenticator, UserInfo } from "../types.ts";

export const ANONYMOUS_USER: UserInfo = {
  username: "system:anonymous",
  groups: ["system:unauthenticated"],
};

/** The bearer token of an Authorization header: none, a token, or malformed. */
export function bearerToken(
  header: string | undefined,
): { kind: "none" } | { kind: "token"; token: string } | { kind: "error"; message: string } {
  if (header === undefined) return { kind: "none" };
  const parts = header.trim().split(/\s+/);
  if (parts.length < 1 || parts[0].toLowerCase() !== "bearer") return { kind: "none" };
  if (parts.length !== 2 || parts[1] === "")
    return { kind: "error", message: "invalid bearer token" };
  return { kind: "token", token: parts[1] };
}

/** Runs token authenticators in order; the first user wins, errors are kept. */
export async function authenticateToken(
  authenticators: TokenAuthenticator[],
  token: string,
  audiences?: string[],
): Promise<AuthnResult> {
  const errors: string[] = [];
  for (const a of authenticators) {
    const r = await a.authenticateToken(token, audiences);
    if (r.kind === "user") return r;
    if (r.kind === "error") errors.push(r.message);
  }
  return { kind: "error", message: errors.length ? errors.join(", ") : "invalid bearer token" };
}

export interface ChainOptions {
  request: RequestAuthenticator[];
  tokens: TokenAuthenticator[];
  anonymous: boolean;
}

/** Adds system:authenticated to a non-anonymous user, as upstream's group adder. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.username === ANONYMOUS_USER.username) return user;
  if (user.groups.includes("system:authenticated")) return user;
  return { ...user, groups: [...user.groups, "system:authenticated"] };
}

/** Authenticates a request: a user, or an error (→ 401), or none (→ 401 unless anonymous). */
export async function authenticateRequest(
  opts: ChainOptions,
  req: IncomingMessage,
): Promise<AuthnResult> {
  for (const a of opts.request) {
    const r = await a.authenticate(req);
    if (r.kind === "user") return { ...r, user: withAuthenticatedGroup(r.user) };
    if (r.kind === "error") return r;
  }
  const bearer = bearerToken(req.headers.authorization);
  if (bearer.kind === "error") return bearer;
  if (bearer.kind === "token") {
    const r = await authenticateToken(opts.tokens, bearer.token);
    if (r.kind === "user") return { ...r, user: withAuthenticatedGroup(r.user) };
    return r;
  }
  if (opts.anonymous)
    return { kind: "user", user: { ...ANONYMOUS_USER, groups: [...ANONYMOUS_USER.groups] } };
  return { kind: "none" };
}

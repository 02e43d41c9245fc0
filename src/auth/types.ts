/**
 * Contracts of authentication and authorization, as upstream's
 * authenticator.Request / authorizer.Authorizer.
 */
import type { IncomingMessage } from "node:http";
import type { UserInfo } from "../apiserver/context.ts";

export type { UserInfo };

/** Outcome of one authenticator on one request. */
export type AuthnResult =
  /** The request carried no credential this authenticator understands. */
  | { kind: "none" }
  /** Authenticated. `audiences`: the token's audiences, when it had some. */
  | { kind: "user"; user: UserInfo; audiences?: string[] }
  /** A credential was presented and is invalid (401, never 500). */
  | { kind: "error"; message: string };

/** Authenticates whole requests (x509 peer certificate, Authorization header). */
export interface RequestAuthenticator {
  name: string;
  authenticate(req: IncomingMessage): Promise<AuthnResult>;
}

/** Authenticates one bearer token (token file, service-account JWT, bootstrap token). */
export interface TokenAuthenticator {
  name: string;
  /** `audiences`: accept tokens for these (TokenReview spec.audiences) instead of the server's. */
  authenticateToken(token: string, audiences?: string[]): Promise<AuthnResult>;
}

/** What is being asked, as upstream's authorizer.Attributes. */
export interface AuthzAttributes {
  user: UserInfo;
  verb: string;
  /** Resource requests: namespace, apiGroup, resource, subresource, name. */
  isResourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** Non-resource requests: the URL path. */
  path: string;
}

export type Decision = "allow" | "deny" | "noOpinion";

export interface AuthzResult {
  decision: Decision;
  reason: string;
}

/** A rule as RBAC's PolicyRule; used by rules reviews of every authorizer that can list rules. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Authorizer {
  name: string;
  authorize(attrs: AuthzAttributes): Promise<AuthzResult>;
  /** Rules the user holds in a namespace (SelfSubjectRulesReview); absent: cannot list. */
  rulesFor?(
    user: UserInfo,
    namespace: string,
  ): Promise<{ rules: PolicyRule[]; incomplete: boolean }>;
}

export const NO_OPINION: AuthzResult = { decision: "noOpinion", reason: "" };

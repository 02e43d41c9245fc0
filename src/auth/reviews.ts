/**
 * The create-only review resources, answered from the request alone:
 * TokenReview, SelfSubjectReview (authentication.k8s.io/v1) and
 * SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview,
 * SelfSubjectRulesReview (authorization.k8s.io/v1).
 */
import { StatusError } from "../api/status.ts";
import type { KObject } from "../api/types.ts";
import { authenticateToken } from "./authenticators/union.ts";
import { withAuthenticatedGroup } from "./authenticators/union.ts";
import type { Authorizer, AuthzAttributes, TokenAuthenticator, UserInfo } from "./types.ts";

type Spec = Record<string, unknown>;

function invalid(kind: string, field: string, detail: string): StatusError {
  return new StatusError(
    "Invalid",
    `${kind}.authorization.k8s.io "" is invalid: ${field}: ${detail}`,
    {
      kind,
      group: "authorization.k8s.io",
      causes: [{ reason: "FieldValueInvalid", message: detail, field }],
    },
  );
}

function userInfoObject(user: UserInfo): Spec {
  const out: Spec = { username: user.username };
  if (user.uid) out.uid = user.uid;
  out.groups = user.groups;
  if (user.extra) out.extra = user.extra;
  return out;
}

const echo = (body: KObject, kind: string, group: string, status: Spec): KObject => ({
  kind,
  apiVersion: `${group}/v1`,
  metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as unknown as KObject["metadata"],
  spec: body.spec ?? {},
  status,
});

/** TokenReview: authenticates spec.token (bearer-token authenticators only). */
export async function tokenReview(
  body: KObject,
  tokens: TokenAuthenticator[],
  apiAudiences: string[],
): Promise<KObject> {
  const spec = (body.spec ?? {}) as { token?: string; audiences?: string[] };
  if (!spec.token)
    throw new StatusError(
      "Invalid",
      `TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value`,
      {
        kind: "TokenReview",
        group: "authentication.k8s.io",
        causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.token" }],
      },
    );
  const wanted = spec.audiences?.length ? spec.audiences : apiAudiences;
  const r = await authenticateToken(tokens, spec.token, wanted);
  if (r.kind === "user") {
    const tokenAud = r.audiences;
    const audiences =
      tokenAud && tokenAud.length > 0 ? wanted.filter((a) => tokenAud.includes(a)) : wanted;
    if (tokenAud && tokenAud.length > 0 && audiences.length === 0)
      return echo(body, "TokenReview", "authentication.k8s.io", {
        authenticated: false,
        user: {},
        error: "token audiences is invalid",
      });
    return echo(body, "TokenReview", "authentication.k8s.io", {
      authenticated: true,
      user: userInfoObject(withAuthenticatedGroup(r.user)),
      audiences,
    });
  }
  return echo(body, "TokenReview", "authentication.k8s.io", {
    authenticated: false,
    user: {},
    ...(r.kind === "error" ? { error: "[invalid bearer token, " + r.message + "]" } : {}),
  });
}

/** SelfSubjectReview: who the requester is. */
export function selfSubjectReview(body: KObject, user: UserInfo): KObject {
  return {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: {
      ...(body.metadata ?? {}),
      creationTimestamp: null,
    } as unknown as KObject["metadata"],
    status: { userInfo: userInfoObject(user) },
  };
}

/** Authorization attributes from a SubjectAccessReview spec and its subject. */
function attrsFromSpec(kind: string, spec: Spec, user: UserInfo): AuthzAttributes {
  const ra = spec.resourceAttributes as Record<string, string> | undefined;
  const na = spec.nonResourceAttributes as Record<string, string> | undefined;
  if (ra && na)
    throw invalid(
      kind,
      "spec.nonResourceAttributes",
      'Invalid value: "null": cannot be specified in combination with resourceAttributes',
    );
  if (!ra && !na)
    throw invalid(
      kind,
      "spec.resourceAttributes",
      'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  if (ra)
    return {
      user,
      verb: ra.verb ?? "",
      isResourceRequest: true,
      namespace: ra.namespace ?? "",
      apiGroup: ra.group ?? "",
      apiVersion: ra.version ?? "",
      resource: ra.resource ?? "",
      subresource: ra.subresource ?? "",
      name: ra.name ?? "",
      path: "",
    };
  return {
    user,
    verb: na!.verb ?? "",
    isResourceRequest: false,
    namespace: "",
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    name: "",
    path: na!.path ?? "",
  };
}

async function decide(authorizer: Authorizer, attrs: AuthzAttributes): Promise<Spec> {
  const r = await authorizer.authorize(attrs);
  const status: Spec = { allowed: r.decision === "allow" };
  if (r.decision === "deny") status.denied = true;
  if (r.reason) status.reason = r.reason;
  return status;
}

/**
 * SubjectAccessReview (namespace "") or LocalSubjectAccessReview (the
 * request's namespace, which must match resourceAttributes.namespace).
 */
export async function subjectAccessReview(
  body: KObject,
  authorizer: Authorizer,
  namespace: string,
): Promise<KObject> {
  const local = namespace !== "";
  const kind = local ? "LocalSubjectAccessReview" : "SubjectAccessReview";
  const spec = (body.spec ?? {}) as Spec;
  const user = {
    username: String(spec.user ?? ""),
    uid: spec.uid ? String(spec.uid) : undefined,
    groups: (spec.groups as string[] | undefined) ?? [],
    extra: spec.extra as Record<string, string[]> | undefined,
  };
  if (!user.username && user.groups.length === 0)
    throw invalid(
      kind,
      "spec.user",
      'Invalid value: "": at least one of user or group must be specified',
    );
  const attrs = attrsFromSpec(kind, spec, user);
  if (local) {
    if (!attrs.isResourceRequest)
      throw invalid(
        kind,
        "spec.nonResourceAttributes",
        'Invalid value: "null": disallowed on this kind of request',
      );
    if (attrs.namespace === "") attrs.namespace = namespace;
    else if (attrs.namespace !== namespace)
      throw new StatusError(
        "BadRequest",
        `spec.resourceAttributes.namespace must match namespace: ${namespace}`,
        {},
      );
  }
  const out = echo(body, kind, "authorization.k8s.io", await decide(authorizer, attrs));
  if (local) (out.metadata as Record<string, unknown>).namespace = namespace;
  return out;
}

/** SelfSubjectAccessReview: may the requester do this? */
export async function selfSubjectAccessReview(
  body: KObject,
  authorizer: Authorizer,
  user: UserInfo,
): Promise<KObject> {
  const attrs = attrsFromSpec("SelfSubjectAccessReview", (body.spec ?? {}) as Spec, user);
  return echo(
    body,
    "SelfSubjectAccessReview",
    "authorization.k8s.io",
    await decide(authorizer, attrs),
  );
}

/** SelfSubjectRulesReview: the requester's rules in spec.namespace. */
export async function selfSubjectRulesReview(
  body: KObject,
  authorizer: Authorizer,
  user: UserInfo,
): Promise<KObject> {
  const namespace = String(((body.spec ?? {}) as Spec).namespace ?? "");
  const result = authorizer.rulesFor
    ? await authorizer.rulesFor(user, namespace)
    : { rules: [], incomplete: true };
  const resourceRules: Spec[] = [];
  const nonResourceRules: Spec[] = [];
  for (const r of result.rules) {
    if (r.nonResourceURLs?.length)
      nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    else {
      const rule: Spec = {
        verbs: r.verbs,
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
      };
      if (r.resourceNames?.length) rule.resourceNames = r.resourceNames;
      resourceRules.push(rule);
    }
  }
  return echo(body, "SelfSubjectRulesReview", "authorization.k8s.io", {
    resourceRules,
    nonResourceRules,
    incomplete: result.incomplete,
  });
}

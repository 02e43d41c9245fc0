/**
 * Builds the API server's authentication and authorization from options
 * named after kube-apiserver's flags: the pipeline filters (authenticate →
 * audit → impersonate → authorize → auth APIs, upstream's order), the admission plugins
 * (NodeRestriction, RBAC escalation, CSR requester) and a post-start hook
 * installing the bootstrap RBAC policy.
 */
import type { KeyObject } from "node:crypto";
import type { ServerContext } from "../apiserver/context.ts";
import type { AdmissionPlugin, NamedFilter, Pipeline } from "../apiserver/pipeline.ts";
import { authApiFilter, storeGetter } from "./api-filter.ts";
import { legacyTokenPlugin } from "./admission/legacy-token.ts";
import { bootstrapTokenAuthenticator } from "./authenticators/bootstrap-token.ts";
import { tokenFileAuthenticator } from "./authenticators/token-file.ts";
import type { ChainOptions } from "./authenticators/union.ts";
import {
  requestHeaderAuthenticator,
  type RequestHeaderConfig,
} from "./authenticators/request-header.ts";
import { x509Authenticator } from "./authenticators/x509.ts";
import { loopbackAuthenticator, type LoopbackIdentities } from "../apiserver/loopback.ts";
import { abacAuthorizer, type AbacPolicySpec } from "./authorizers/abac.ts";
import { nodeAuthorizer } from "./authorizers/node.ts";
import { rbacAuthorizer } from "./authorizers/rbac.ts";
import {
  alwaysAllowAuthorizer,
  alwaysDenyAuthorizer,
  privilegedGroupsAuthorizer,
} from "./authorizers/simple.ts";
import { unionAuthorizer } from "./authorizers/union.ts";
import { webhookAuthorizer, type WebhookTarget } from "./authorizers/webhook.ts";
import { authenticateFilter, authorizeFilter, impersonationFilter } from "./filters.ts";
import { auditFilter, type AuditSink } from "./audit/audit-filter.ts";
import type { AuditPolicy } from "./audit/policy.ts";
import { csrRequesterPlugin } from "./admission/csr-requester.ts";
import { nodeRestrictionPlugin } from "./admission/node-restriction.ts";
import { rbacEscalationPlugin } from "./admission/rbac-escalation.ts";
import { bootstrapClusterRoles } from "./rbac/bootstrap-policy.ts";
import { RbacSource } from "./rbac/source.ts";
import { ServiceAccountTokenAuthenticator } from "./serviceaccount/tokens.ts";
import type { Authorizer, PolicyRule, TokenAuthenticator, UserInfo } from "./types.ts";

export const AUTHORIZATION_MODES = ["AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook", "RBAC", "Node"];

export interface AuthOptions {
  /** --client-ca-file contents: enables x509 client certificates. */
  clientCaPem?: string;
  /** The --requestheader-* settings: front proxies assert users in headers. */
  requestHeader?: RequestHeaderConfig;
  /** Parsed --token-auth-file. */
  tokenFile?: Map<string, UserInfo>;
  /** The in-process components' tokens, accepted on the loopback socket only. */
  loopback?: LoopbackIdentities;
  /** --anonymous-auth (default false). */
  anonymous: boolean;
  /** --enable-bootstrap-token-auth. */
  bootstrapTokens: boolean;
  serviceAccount?: {
    publicKeys: KeyObject[];
    /** Present: the TokenRequest API is served and legacy token secrets are filled. */
    signingKeyPem?: string;
    /** The cluster CA, written into legacy token secrets as ca.crt. */
    rootCaPem?: string;
    issuers: string[];
    apiAudiences: string[];
    lookup: boolean;
    maxExpirationSeconds: number;
  };
  /** --authorization-mode, in order. */
  modes: string[];
  abacPolicies?: AbacPolicySpec[];
  webhook?: { target: WebhookTarget; authorizedTtlMs?: number; unauthorizedTtlMs?: number };
  /** Admission plugins to enable (NodeRestriction is on with the Node mode). */
  enableNodeRestriction?: boolean;
  /** --audit-policy-file and --audit-log-path. */
  audit?: { policy: AuditPolicy; sink: AuditSink };
  now: () => number;
}

export interface AuthStack {
  pipeline: Pipeline;
  authorizer: Authorizer;
  /** Post-start hook: binds to the server and installs the bootstrap RBAC policy. */
  start(server: ServerContext): Promise<void>;
}

/** Throws on an unknown mode or a mode missing its configuration. */
export function checkModes(opts: AuthOptions): void {
  for (const m of opts.modes) {
    if (!AUTHORIZATION_MODES.includes(m))
      throw new Error(`authorization-mode "${m}" is not a valid mode`);
  }
  if (opts.modes.includes("ABAC") && !opts.abacPolicies)
    throw new Error("authorization-mode ABAC's authorization policy file not passed");
  if (opts.modes.includes("Webhook") && !opts.webhook)
    throw new Error("authorization-mode Webhook's authorization config file not passed");
}

const systemNodeRules = (): PolicyRule[] =>
  (bootstrapClusterRoles().find((r) => r.metadata?.name === "system:node")
    ?.rules as PolicyRule[]) ?? [];

/** Builds the stack; the server is bound on its first request or on start(). */
export function buildAuthStack(opts: AuthOptions): AuthStack {
  checkModes(opts);
  let server: ServerContext | undefined;
  let rbac: RbacSource | undefined;
  const bound = () => {
    if (!server) throw new Error("auth stack used before the server was bound");
    return server;
  };
  const rbacSource = () => (rbac ??= new RbacSource(bound()));
  const tokens: TokenAuthenticator[] = [];
  if (opts.tokenFile) tokens.push(tokenFileAuthenticator(opts.tokenFile));
  const sa = opts.serviceAccount;
  if (sa && sa.publicKeys.length > 0)
    tokens.push(
      new ServiceAccountTokenAuthenticator({
        publicKeys: sa.publicKeys,
        issuers: sa.issuers,
        audiences: sa.apiAudiences,
        lookup: sa.lookup,
        getObject: (kind, ns, name) => storeGetter(bound())(kind, ns, name),
        now: opts.now,
      }),
    );
  if (opts.bootstrapTokens)
    tokens.push(
      bootstrapTokenAuthenticator(async (name) => {
        const s = bound();
        const def = s.registry.get("", "v1", "secrets")!;
        return s.store.tryGet(def, "kube-system", name);
      }, opts.now),
    );
  const chain: ChainOptions = {
    request: [
      ...(opts.loopback ? [loopbackAuthenticator(opts.loopback)] : []),
      ...(opts.requestHeader
        ? [requestHeaderAuthenticator(opts.requestHeader, { clientCaPem: opts.clientCaPem })]
        : []),
      ...(opts.clientCaPem ? [x509Authenticator()] : []),
    ],
    tokens,
    anonymous: opts.anonymous,
  };

  const authorizers: Authorizer[] = [];
  const modes = opts.modes.length > 0 ? opts.modes : ["AlwaysAllow"];
  if (!modes.includes("AlwaysAllow"))
    authorizers.push(privilegedGroupsAuthorizer(["system:masters"]));
  for (const mode of modes) {
    if (mode === "AlwaysAllow") authorizers.push(alwaysAllowAuthorizer());
    if (mode === "AlwaysDeny") authorizers.push(alwaysDenyAuthorizer());
    if (mode === "ABAC") authorizers.push(abacAuthorizer(opts.abacPolicies ?? []));
    if (mode === "RBAC") authorizers.push(rbacAuthorizer((fresh) => rbacSource().snapshot(fresh)));
    if (mode === "Webhook" && opts.webhook)
      authorizers.push(webhookAuthorizer({ ...opts.webhook, now: opts.now }));
    if (mode === "Node")
      authorizers.push(
        nodeAuthorizer(
          {
            async podsOnNode(node, namespace) {
              const s = bound();
              const def = s.registry.get("", "v1", "pods")!;
              const page = await s.store.list(def, namespace || undefined, {});
              return page.items
                .map((i) => i.obj)
                .filter((p) => (p.spec as Record<string, unknown>)?.nodeName === node);
            },
            async getPVC(namespace, name) {
              const s = bound();
              return s.store.tryGet(
                s.registry.get("", "v1", "persistentvolumeclaims")!,
                namespace,
                name,
              );
            },
          },
          systemNodeRules(),
        ),
      );
  }
  const authorizer = unionAuthorizer(authorizers);

  const filters: NamedFilter[] = [
    {
      name: "authenticate",
      run: (ctx, next) => {
        server ??= ctx.server;
        return authenticateFilter(chain)(ctx, next);
      },
    },
    {
      name: "audit",
      run: opts.audit
        ? auditFilter(opts.audit.policy, opts.audit.sink, opts.now)
        : (_ctx, next) => next(),
    },
    { name: "impersonate", run: impersonationFilter(authorizer) },
    { name: "authorize", run: authorizeFilter(authorizer) },
    {
      name: "auth-apis",
      run: authApiFilter({
        authorizer,
        tokens,
        apiAudiences: sa?.apiAudiences ?? [],
        tokenRequest: sa?.signingKeyPem
          ? {
              privateKeyPem: sa.signingKeyPem,
              issuer: sa.issuers[0],
              apiAudiences: sa.apiAudiences,
              maxExpirationSeconds: sa.maxExpirationSeconds,
            }
          : undefined,
      }),
    },
  ];
  const admission: AdmissionPlugin[] = [csrRequesterPlugin()];
  if (sa?.signingKeyPem)
    admission.push(
      legacyTokenPlugin({
        signingKeyPem: sa.signingKeyPem,
        rootCaPem: sa.rootCaPem,
        getServiceAccount: (ns, name) => storeGetter(bound())("ServiceAccount", ns, name),
      }),
    );
  if (opts.enableNodeRestriction ?? modes.includes("Node")) admission.push(nodeRestrictionPlugin());
  if (modes.includes("RBAC"))
    admission.push(rbacEscalationPlugin(authorizer, () => rbacSource().snapshot(true)));
  return {
    pipeline: { filters, admission },
    authorizer,
    async start(s) {
      server ??= s;
      if (modes.includes("RBAC")) await rbacSource().installBootstrapPolicy();
    },
  };
}

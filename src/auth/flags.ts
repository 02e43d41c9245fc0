/**
 * kube-apiserver's authentication and authorization flags for `k8ts
 * server` / `k8ts apiserver`, and their translation into an AuthStack.
 * Defaults are secure: x509 against the cluster CA, service-account tokens
 * signed by the cluster's key, bootstrap tokens, anonymous off and
 * --authorization-mode Node,RBAC.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { AuthStack } from "./stack.ts";
import type { RequestHeaderConfig } from "./authenticators/request-header.ts";
import type { LoopbackIdentities } from "../apiserver/loopback.ts";

export interface AuthFlags {
  clientCaFile?: string;
  tokenAuthFile?: string;
  anonymousAuth?: string | boolean;
  enableBootstrapTokenAuth?: string | boolean;
  serviceAccountKeyFile?: string[];
  serviceAccountSigningKeyFile?: string;
  serviceAccountIssuer?: string[];
  apiAudiences?: string;
  serviceAccountLookup?: string | boolean;
  serviceAccountMaxTokenExpiration?: string;
  authorizationMode?: string;
  authorizationPolicyFile?: string;
  authorizationWebhookConfigFile?: string;
  authorizationWebhookCacheAuthorizedTtl?: string;
  authorizationWebhookCacheUnauthorizedTtl?: string;
  encryptionProviderConfig?: string;
  auditPolicyFile?: string;
  auditLogPath?: string;
  /** --audit-log-maxsize (MB), --audit-log-maxbackup, --audit-log-maxage (days). */
  auditLogMaxsize?: string;
  auditLogMaxbackup?: string;
  auditLogMaxage?: string;
  /** Merge the admin kubeconfig into ~/.kube/config (or the given file) as "k8ts". */
  mergeKubeconfig?: string | boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter((s) => s)];

/** Adds the flags to a command (returns it, for chaining). */
export function addAuthFlags(cmd: Command): Command {
  return cmd
    .option(
      "--client-ca-file <file>",
      "CA of accepted client certificates (default: the cluster CA)",
    )
    .option("--token-auth-file <file>", 'static bearer tokens: CSV token,user,uid,"group1,group2"')
    .option(
      "--anonymous-auth [bool]",
      "serve unauthenticated requests as system:anonymous",
      "false",
    )
    .option(
      "--enable-bootstrap-token-auth [bool]",
      "accept bootstrap tokens from kube-system secrets",
      "true",
    )
    .option(
      "--service-account-key-file <file>",
      "PEM public keys verifying service-account tokens (repeatable)",
      collect,
    )
    .option(
      "--service-account-signing-key-file <file>",
      "PEM private key signing service-account tokens",
    )
    .option(
      "--service-account-issuer <url>",
      "issuer of service-account tokens (repeatable; first signs)",
      collect,
    )
    .option("--api-audiences <list>", "audiences the API accepts in tokens (default: the issuer)")
    .option(
      "--service-account-lookup [bool]",
      "check that service-account token objects exist",
      "true",
    )
    .option(
      "--service-account-max-token-expiration <duration>",
      "cap on TokenRequest expiry (e.g. 24h)",
    )
    .option(
      "--authorization-mode <modes>",
      "ordered list of AlwaysAllow,AlwaysDeny,ABAC,Webhook,RBAC,Node",
      "Node,RBAC",
    )
    .option("--authorization-policy-file <file>", "ABAC policy, one JSON object per line")
    .option("--authorization-webhook-config-file <file>", "kubeconfig of the authorization webhook")
    .option(
      "--authorization-webhook-cache-authorized-ttl <duration>",
      "cache of allowed answers",
      "5m",
    )
    .option(
      "--authorization-webhook-cache-unauthorized-ttl <duration>",
      "cache of denied answers",
      "30s",
    )
    .option(
      "--merge-kubeconfig [file]",
      "merge the admin kubeconfig into ~/.kube/config (entries named k8ts)",
    )
    .option("--audit-policy-file <file>", "audit.k8s.io/v1 Policy deciding what is logged")
    .option("--audit-log-path <file>", "where audit Event JSON lines are appended (- for stdout)")
    .option("--audit-log-maxsize <mb>", "rotate the audit log before it grows past this many MB")
    .option("--audit-log-maxbackup <n>", "old audit log files to keep (0: all)")
    .option("--audit-log-maxage <days>", "days to keep old audit log files (0: no limit)")
    .option(
      "--encryption-provider-config <file>",
      "EncryptionConfiguration for data at rest (default: secrets with a generated aescbc key)",
    );
}

/** Parses a Go-style duration ("300ms", "30s", "5m", "1h30m") into milliseconds. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total +=
      Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    consumed += m[0].length;
  }
  if (s === "0") return 0;
  if (consumed !== s.length || s.length === 0) throw new Error(`invalid duration "${s}"`);
  return total;
}

const bool = (v: string | boolean | undefined, dflt: boolean) =>
  v === undefined ? dflt : v === true || v === "true" || v === "1";

export interface AuthDefaults {
  /** The cluster CA: used when --client-ca-file is not given. */
  clusterCaPem: string;
  /** The cluster's service-account key pair: used when no key files are given. */
  serviceAccountKeyPem: string;
  /** Request-header (front-proxy) authentication settings, when enabled. */
  requestHeader?: RequestHeaderConfig;
  /** Tokens of `k8ts server`'s in-process components (the loopback socket). */
  loopback?: LoopbackIdentities;
  now: () => number;
}

/** Builds the AuthStack from flags, reading the files they name. */
export async function authStackFromFlags(flags: AuthFlags, d: AuthDefaults): Promise<AuthStack> {
  // Loaded on use so `k8ts --help` stays fast.
  const [
    { parseAbacPolicies },
    { webhookTargetFromKubeconfig },
    { parseTokenFile },
    jwt,
    sa,
    stack,
  ] = await Promise.all([
    import("./authorizers/abac.ts"),
    import("./authorizers/webhook.ts"),
    import("./authenticators/token-file.ts"),
    import("./serviceaccount/jwt.ts"),
    import("./serviceaccount/tokens.ts"),
    import("./stack.ts"),
  ]);
  const { publicKeysFromPem } = jwt;
  const { DEFAULT_ISSUER } = sa;
  const { buildAuthStack } = stack;
  const clientCaPem = flags.clientCaFile
    ? await readFile(flags.clientCaFile, "utf8")
    : d.clusterCaPem;
  const signingKeyPem = flags.serviceAccountSigningKeyFile
    ? await readFile(flags.serviceAccountSigningKeyFile, "utf8")
    : d.serviceAccountKeyPem;
  const keyPems = flags.serviceAccountKeyFile?.length
    ? await Promise.all(flags.serviceAccountKeyFile.map((f) => readFile(f, "utf8")))
    : [signingKeyPem];
  const issuers = flags.serviceAccountIssuer?.length
    ? flags.serviceAccountIssuer
    : [DEFAULT_ISSUER];
  const apiAudiences = flags.apiAudiences
    ? flags.apiAudiences.split(",").filter((s) => s)
    : issuers;
  const modes = (flags.authorizationMode ?? "Node,RBAC")
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m);
  const webhook = flags.authorizationWebhookConfigFile
    ? {
        target: await webhookTargetFromKubeconfig(
          await readFile(flags.authorizationWebhookConfigFile, "utf8"),
          (p) => readFile(p, "utf8"),
        ),
        authorizedTtlMs: parseDuration(flags.authorizationWebhookCacheAuthorizedTtl ?? "5m"),
        unauthorizedTtlMs: parseDuration(flags.authorizationWebhookCacheUnauthorizedTtl ?? "30s"),
      }
    : undefined;
  return buildAuthStack({
    clientCaPem,
    requestHeader: d.requestHeader,
    loopback: d.loopback,
    tokenFile: flags.tokenAuthFile
      ? parseTokenFile(await readFile(flags.tokenAuthFile, "utf8"))
      : undefined,
    anonymous: bool(flags.anonymousAuth, false),
    bootstrapTokens: bool(flags.enableBootstrapTokenAuth, true),
    serviceAccount: {
      publicKeys: keyPems.flatMap((p) => publicKeysFromPem(p)),
      signingKeyPem,
      rootCaPem: d.clusterCaPem,
      issuers,
      apiAudiences,
      lookup: bool(flags.serviceAccountLookup, true),
      maxExpirationSeconds: flags.serviceAccountMaxTokenExpiration
        ? Math.floor(parseDuration(flags.serviceAccountMaxTokenExpiration) / 1000)
        : 0,
    },
    modes,
    abacPolicies: flags.authorizationPolicyFile
      ? parseAbacPolicies(await readFile(flags.authorizationPolicyFile, "utf8"))
      : undefined,
    webhook,
    audit:
      flags.auditPolicyFile && flags.auditLogPath
        ? await (async () => {
            const { parseAuditPolicy } = await import("./audit/policy.ts");
            const { fileSink } = await import("./audit/audit-filter.ts");
            return {
              policy: parseAuditPolicy(await readFile(flags.auditPolicyFile!, "utf8")),
              sink:
                Number(flags.auditLogMaxsize ?? 0) > 0 && flags.auditLogPath !== "-"
                  ? (await import("./audit/rotating-sink.ts")).rotatingFileSink(
                      flags.auditLogPath!,
                      {
                        maxSizeBytes: Number(flags.auditLogMaxsize) * 1024 * 1024,
                        maxBackups: Number(flags.auditLogMaxbackup ?? 0),
                        maxAgeDays: Number(flags.auditLogMaxage ?? 0),
                      },
                    )
                  : fileSink(flags.auditLogPath!),
            };
          })()
        : undefined,
    now: d.now,
  });
}

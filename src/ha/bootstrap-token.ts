/**
 * Bootstrap tokens as upstream defines them: `[a-z0-9]{6}.[a-z0-9]{16}`
 * (id.secret), stored as kube-system Secrets `bootstrap-token-<id>` of type
 * bootstrap.kubernetes.io/token. Pure functions only; the CLI and the join
 * flow do the I/O.
 */
import { randomInt } from "node:crypto";
import type { KObject } from "../api/types.ts";

export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = "bootstrap-token-";
/** Group of every token k8ts creates (kubeadm: system:bootstrappers:kubeadm:default-node-token). */
export const DEFAULT_TOKEN_GROUP = "system:bootstrappers:k8ts:default-node-token";
/** Group allowed to read the control-plane join bundle: tokens that may join servers. */
export const CONTROL_PLANE_TOKEN_GROUP = "system:bootstrappers:k8ts:control-plane";

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export interface BootstrapToken {
  id: string;
  secret: string;
}

/** A parse failure: the string is not id.secret. */
export class InvalidTokenError extends Error {
  readonly code = "InvalidToken";
}

/** Parses "abcdef.0123456789abcdef"; throws InvalidTokenError otherwise. */
export function parseToken(token: string): BootstrapToken {
  const m = TOKEN_RE.exec(token.trim());
  if (!m)
    throw new InvalidTokenError(
      `Cannot parse token ${JSON.stringify(token)}: want [a-z0-9]{6}.[a-z0-9]{16}`,
    );
  return { id: m[1]!, secret: m[2]! };
}

export const formatToken = (t: BootstrapToken) => `${t.id}.${t.secret}`;

/** A fresh random token (crypto-random characters). */
export function generateToken(): BootstrapToken {
  const pick = (n: number) =>
    Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return { id: pick(6), secret: pick(16) };
}

export interface TokenSecretOptions {
  /** Time to live in ms; 0 or absent: never expires. */
  ttlMs?: number;
  now: number;
  description?: string;
  /** Extra groups (each must start with system:bootstrappers:). */
  groups?: string[];
  usages?: ("authentication" | "signing")[];
}

/** The kube-system Secret that stores a token. */
export function tokenSecret(token: BootstrapToken, opts: TokenSecretOptions): KObject {
  const data: Record<string, string> = {
    "token-id": token.id,
    "token-secret": token.secret,
  };
  if (opts.ttlMs)
    data.expiration = new Date(opts.now + opts.ttlMs).toISOString().replace(/\.\d+Z$/, "Z");
  if (opts.description) data.description = opts.description;
  for (const u of opts.usages ?? ["authentication", "signing"])
    data[`usage-bootstrap-${u}`] = "true";
  const groups = opts.groups ?? [DEFAULT_TOKEN_GROUP];
  for (const g of groups)
    if (!g.startsWith("system:bootstrappers:"))
      throw new InvalidTokenError(`Cannot use group ${g}: must start with system:bootstrappers:`);
  if (groups.length) data["auth-extra-groups"] = groups.join(",");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: BOOTSTRAP_TOKEN_SECRET_PREFIX + token.id, namespace: "kube-system" },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
    ),
  } as KObject;
}

/** What `k8ts token list` shows of a token Secret. */
export interface TokenInfo {
  token: BootstrapToken;
  expiration?: Date;
  usages: string[];
  description: string;
  groups: string[];
}

/** Reads a token Secret; undefined when it is not a well-formed bootstrap token. */
export function tokenInfo(secret: KObject): TokenInfo | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
  const raw = (secret.data ?? {}) as Record<string, string>;
  const get = (k: string) => (raw[k] ? Buffer.from(raw[k], "base64").toString("utf8") : "");
  const id = get("token-id");
  const secretPart = get("token-secret");
  if (!TOKEN_RE.test(`${id}.${secretPart}`)) return undefined;
  const exp = get("expiration");
  return {
    token: { id, secret: secretPart },
    expiration: exp ? new Date(exp) : undefined,
    usages: Object.keys(raw)
      .filter((k) => k.startsWith("usage-bootstrap-") && get(k) === "true")
      .map((k) => k.slice("usage-bootstrap-".length))
      .sort(),
    description: get("description"),
    groups: get("auth-extra-groups")
      .split(",")
      .filter((g) => g),
  };
}

/** kubeadm-style TTL column: "23h", "59m", "<forever>", "<invalid>" when expired. */
export function formatTtl(expiration: Date | undefined, now: number): string {
  if (!expiration) return "<forever>";
  const ms = expiration.getTime() - now;
  if (ms <= 0) return "<invalid>";
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)}h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m`;
  return `${Math.floor(ms / 1000)}s`;
}

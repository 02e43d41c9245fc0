/**
 * Bootstrap tokens (`abcdef.0123456789abcdef`) backed by kube-system secrets
 * named bootstrap-token-<id> of type bootstrap.kubernetes.io/token, as
 * upstream: usage-bootstrap-authentication must be "true", the secret must
 * not be expired; the user is system:bootstrap:<id> with groups
 * system:bootstrappers plus auth-extra-groups.
 */
import { timingSafeEqual } from "node:crypto";
import type { KObject } from "../../api/types.ts";
import type { AuthnResult, TokenAuthenticator } from "../types.ts";

export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** Fetches a kube-system secret by name. */
export type SecretGetter = (name: string) => Promise<KObject | undefined>;

const field = (secret: KObject, key: string): string => {
  const data = (secret.data ?? {}) as Record<string, string>;
  return data[key] === undefined ? "" : Buffer.from(data[key], "base64").toString("utf8");
};

/** The bootstrap token authenticator; `now` is injected for expiry checks. */
export function bootstrapTokenAuthenticator(
  getSecret: SecretGetter,
  now: () => number,
): TokenAuthenticator {
  return {
    name: "bootstrap-token",
    async authenticateToken(token: string): Promise<AuthnResult> {
      const m = BOOTSTRAP_TOKEN_RE.exec(token);
      if (!m) return { kind: "none" };
      const [, id, secretPart] = m;
      const secret = await getSecret(`bootstrap-token-${id}`);
      if (!secret || secret.type !== "bootstrap.kubernetes.io/token") return { kind: "none" };
      if (secret.metadata?.deletionTimestamp) return { kind: "none" };
      const want = Buffer.from(field(secret, "token-secret"));
      const got = Buffer.from(secretPart);
      if (
        field(secret, "token-id") !== id ||
        want.length !== got.length ||
        !timingSafeEqual(want, got)
      )
        return { kind: "none" };
      const expiration = field(secret, "expiration");
      if (expiration && Date.parse(expiration) <= now())
        return { kind: "error", message: "bootstrap token has expired" };
      if (field(secret, "usage-bootstrap-authentication") !== "true") return { kind: "none" };
      const extra = field(secret, "auth-extra-groups")
        .split(",")
        .map((g) => g.trim())
        .filter((g) => g.startsWith("system:bootstrappers:"));
      return {
        kind: "user",
        user: { username: `system:bootstrap:${id}`, groups: ["system:bootstrappers", ...extra] },
      };
    },
  };
}

/**
 * Service-account tokens: minting bound tokens (TokenRequest) and
 * authenticating legacy and bound JWTs, as upstream's serviceaccount token
 * authenticator: signature against --service-account-key-file keys, issuer,
 * audience, expiry and not-before, and the bound objects (service account,
 * pod, secret, node) must still exist with the same UIDs.
 */
import type { KeyObject } from "node:crypto";
import { randomUUID } from "node:crypto";
import type { KObject } from "../../api/types.ts";
import type { AuthnResult, TokenAuthenticator, UserInfo } from "../types.ts";
import {
  JwtError,
  looksLikeJwt,
  signJwt,
  unverifiedClaims,
  verifyJwt,
  type JwtClaims,
} from "./jwt.ts";

/** The issuer of legacy secret-based tokens. */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";
/** Upstream's default issuer as k3s configures it. */
export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** Looks up one object by kind ("ServiceAccount", "Pod", "Secret", "Node"). */
export type ObjectGetter = (
  kind: "ServiceAccount" | "Pod" | "Secret" | "Node",
  namespace: string,
  name: string,
) => Promise<KObject | undefined>;

export interface BoundObject {
  kind: "Pod" | "Secret" | "Node";
  name: string;
  uid: string;
}

export interface MintOptions {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundObject;
  /** Node of a bound pod (its spec.nodeName and that node's uid), when known. */
  podNode?: { name: string; uid: string };
  nowMs: number;
}

/** Mints a bound token; returns it and its expiry. */
export function mintBoundToken(
  privateKeyPem: string,
  issuer: string,
  opts: MintOptions,
): { token: string; expiresAtMs: number } {
  const iat = Math.floor(opts.nowMs / 1000);
  const exp = iat + opts.expirationSeconds;
  const k8s: Record<string, unknown> = {
    namespace: opts.namespace,
    serviceaccount: { name: opts.serviceAccount.name, uid: opts.serviceAccount.uid },
  };
  if (opts.bound?.kind === "Pod") {
    k8s.pod = { name: opts.bound.name, uid: opts.bound.uid };
    if (opts.podNode) k8s.node = opts.podNode;
  } else if (opts.bound?.kind === "Secret") {
    k8s.secret = { name: opts.bound.name, uid: opts.bound.uid };
  } else if (opts.bound?.kind === "Node") {
    k8s.node = { name: opts.bound.name, uid: opts.bound.uid };
  }
  const claims = {
    aud: opts.audiences,
    exp,
    iat,
    iss: issuer,
    jti: randomUUID(),
    "kubernetes.io": k8s,
    nbf: iat,
    sub: `system:serviceaccount:${opts.namespace}:${opts.serviceAccount.name}`,
  };
  return { token: signJwt(claims, privateKeyPem), expiresAtMs: exp * 1000 };
}

/** Mints a legacy (non-expiring, secret-bound) token as the token controller did. */
export function mintLegacyToken(
  privateKeyPem: string,
  sa: { namespace: string; name: string; uid: string },
  secretName: string,
): string {
  return signJwt(
    {
      iss: LEGACY_ISSUER,
      "kubernetes.io/serviceaccount/namespace": sa.namespace,
      "kubernetes.io/serviceaccount/secret.name": secretName,
      "kubernetes.io/serviceaccount/service-account.name": sa.name,
      "kubernetes.io/serviceaccount/service-account.uid": sa.uid,
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    },
    privateKeyPem,
  );
}

/** The user of a service account. */
export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    uid,
    groups: [
      "system:serviceaccounts",
      `system:serviceaccounts:${namespace}`,
      "system:authenticated",
    ],
  };
}

export interface ServiceAccountAuthenticatorOptions {
  publicKeys: KeyObject[];
  /** Accepted issuers of bound tokens (the first is the one minted with). */
  issuers: string[];
  /** --api-audiences: a bound token must carry one of these. */
  audiences: string[];
  /** Check that bound objects still exist (--service-account-lookup, default true). */
  lookup: boolean;
  getObject: ObjectGetter;
  now: () => number;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Verified tokens remembered per authenticator (the map starts over when full). */
const MAX_VERIFIED_TOKENS = 10_000;

/** Authenticates service-account JWTs (legacy and bound). */
export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  readonly name = "serviceaccount";
  readonly #opts: ServiceAccountAuthenticatorOptions;
  /**
   * The claims of tokens whose signature verified (a token's claims never
   * change; every request of a controller carries the same token, and
   * decoding them again was half of this authenticator's cost). Expiry,
   * audiences and bound objects are still checked on every request.
   */
  readonly #verified = new Map<string, JwtClaims>();

  constructor(opts: ServiceAccountAuthenticatorOptions) {
    this.#opts = opts;
  }

  async authenticateToken(token: string, audiences?: string[]): Promise<AuthnResult> {
    let claims = this.#verified.get(token);
    if (!claims) {
      if (!looksLikeJwt(token)) return { kind: "none" };
      let iss: string;
      try {
        iss = str(unverifiedClaims(token).iss);
      } catch {
        return { kind: "none" };
      }
      if (iss !== LEGACY_ISSUER && !this.#opts.issuers.includes(iss)) return { kind: "none" };
      try {
        claims = verifyJwt(token, this.#opts.publicKeys);
      } catch (err) {
        if (err instanceof JwtError) return { kind: "error", message: err.message };
        throw err;
      }
      if (this.#verified.size >= MAX_VERIFIED_TOKENS) this.#verified.clear();
      this.#verified.set(token, claims);
    }
    const iss = str(claims.iss);
    try {
      return iss === LEGACY_ISSUER
        ? await this.#legacy(claims, token)
        : await this.#bound(claims, audiences ?? this.#opts.audiences);
    } catch (err) {
      if (err instanceof JwtError) return { kind: "error", message: err.message };
      throw err;
    }
  }

  async #legacy(claims: Record<string, unknown>, token: string): Promise<AuthnResult> {
    const ns = str(claims["kubernetes.io/serviceaccount/namespace"]);
    const name = str(claims["kubernetes.io/serviceaccount/service-account.name"]);
    const uid = str(claims["kubernetes.io/serviceaccount/service-account.uid"]);
    const secretName = str(claims["kubernetes.io/serviceaccount/secret.name"]);
    if (!ns || !name || !uid || !secretName)
      throw new JwtError("token is missing service account claims");
    if (claims.sub !== `system:serviceaccount:${ns}:${name}`)
      throw new JwtError("token subject does not match service account");
    if (this.#opts.lookup) {
      const sa = await this.#opts.getObject("ServiceAccount", ns, name);
      if (!sa || sa.metadata?.uid !== uid)
        throw new JwtError(`service account ${ns}/${name} has been deleted`);
      const secret = await this.#opts.getObject("Secret", ns, secretName);
      if (!secret) throw new JwtError(`secret ${ns}/${secretName} has been deleted`);
      const stored = (secret as { data?: Record<string, string> }).data?.token;
      if (!stored || Buffer.from(stored, "base64").toString("utf8") !== token)
        throw new JwtError("token does not match server's copy");
    }
    const user = serviceAccountUser(ns, name, uid);
    user.extra = { "authentication.kubernetes.io/credential-id": [`JTI=legacy:${secretName}`] };
    return { kind: "user", user, audiences: [] };
  }

  async #bound(claims: Record<string, unknown>, audiences: string[]): Promise<AuthnResult> {
    const nowSec = Math.floor(this.#opts.now() / 1000);
    const exp = claims.exp;
    if (typeof exp !== "number") throw new JwtError("token has no expiry");
    if (nowSec > exp) throw new JwtError("service account token has expired");
    if (typeof claims.nbf === "number" && nowSec < claims.nbf)
      throw new JwtError("service account token is not valid yet");
    const aud = Array.isArray(claims.aud)
      ? claims.aud.map(str)
      : typeof claims.aud === "string"
        ? [claims.aud]
        : [];
    const matched = aud.filter((a) => audiences.includes(a));
    if (matched.length === 0) throw new JwtError("token audiences is invalid");
    const k8s = (claims["kubernetes.io"] ?? {}) as Record<string, Record<string, unknown>>;
    const ns = str(k8s.namespace);
    const sa = (k8s.serviceaccount ?? {}) as Record<string, unknown>;
    const name = str(sa.name);
    const uid = str(sa.uid);
    if (!ns || !name || claims.sub !== `system:serviceaccount:${ns}:${name}`)
      throw new JwtError("token is missing service account claims");
    const extra: Record<string, string[]> = {};
    if (typeof claims.jti === "string")
      extra["authentication.kubernetes.io/credential-id"] = [`JTI=${claims.jti}`];
    const pod = k8s.pod as Record<string, unknown> | undefined;
    const secret = k8s.secret as Record<string, unknown> | undefined;
    const node = k8s.node as Record<string, unknown> | undefined;
    if (pod) {
      extra["authentication.kubernetes.io/pod-name"] = [str(pod.name)];
      extra["authentication.kubernetes.io/pod-uid"] = [str(pod.uid)];
    }
    if (node) {
      extra["authentication.kubernetes.io/node-name"] = [str(node.name)];
      extra["authentication.kubernetes.io/node-uid"] = [str(node.uid)];
    }
    if (this.#opts.lookup) {
      const saObj = await this.#opts.getObject("ServiceAccount", ns, name);
      if (!saObj || (uid && saObj.metadata?.uid !== uid))
        throw new JwtError(`service account ${ns}/${name} has been deleted`);
      await this.#checkBound("Pod", ns, pod);
      await this.#checkBound("Secret", ns, secret);
      if (node && !pod) await this.#checkBound("Node", "", node);
    }
    const user = serviceAccountUser(ns, name, uid || undefined);
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { kind: "user", user, audiences: matched };
  }

  async #checkBound(
    kind: "Pod" | "Secret" | "Node",
    namespace: string,
    ref: Record<string, unknown> | undefined,
  ): Promise<void> {
    if (!ref) return;
    const name = str(ref.name);
    const obj = await this.#opts.getObject(kind, namespace, name);
    const where = namespace ? `${namespace}/${name}` : name;
    if (!obj) throw new JwtError(`${kind.toLowerCase()} ${where} has been deleted`);
    if (str(ref.uid) && obj.metadata?.uid !== str(ref.uid))
      throw new JwtError(`${kind.toLowerCase()} ${where} uid mismatch`);
    if (obj.metadata?.deletionTimestamp)
      throw new JwtError(`${kind.toLowerCase()} ${where} is being deleted`);
  }
}

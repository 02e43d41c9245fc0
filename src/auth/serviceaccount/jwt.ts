/**
 * Compact JWS (RFC 7515) signing and verification with Node's crypto, for
 * service-account tokens: RS256 for RSA keys, ES256 for P-256 keys. The key
 * id is the unpadded base64url SHA-256 of the public key's DER
 * SubjectPublicKeyInfo, as upstream's token generator computes it.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from "node:crypto";

export type JwtClaims = Record<string, unknown>;

/** A typed JWT failure; always a 401 for the caller, never a 500. */
export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JwtError";
  }
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

/** The JWS alg for a key: RS256 (RSA) or ES256 (EC P-256). */
export function algorithmFor(key: KeyObject): "RS256" | "ES256" {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec") return "ES256";
  throw new JwtError(`unsupported service account key type ${key.asymmetricKeyType}`);
}

/** The key id of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return b64url(createHash("sha256").update(der).digest());
}

/** Signs claims with a PEM private key. */
export function signJwt(claims: JwtClaims, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  const alg = algorithmFor(key);
  const header = { alg, kid: keyIdOf(createPublicKey(key)) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature =
    alg === "RS256"
      ? cryptoSign("sha256", Buffer.from(input), key)
      : cryptoSign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}

/** True when the token looks like a JWT (three dot-separated parts, JSON header). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as unknown;
    return typeof header === "object" && header !== null;
  } catch {
    return false;
  }
}

/** The payload without checking the signature (to pick the issuer); throws JwtError. */
export function unverifiedClaims(token: string): JwtClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token");
  try {
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    if (typeof claims !== "object" || claims === null || Array.isArray(claims))
      throw new JwtError("malformed token claims");
    return claims as JwtClaims;
  } catch (err) {
    throw err instanceof JwtError ? err : new JwtError("malformed token claims");
  }
}

/**
 * Tokens whose signature verified, per key set: a token string's signature
 * never changes, and every request of a controller or kubelet carries the
 * same token (RSA verification was 2% of the server's CPU under load).
 * Claims (expiry, bound objects) are still checked by the callers each time.
 */
const verifiedTokens = new WeakMap<KeyObject[], Set<string>>();

/** Verifies the signature against any of the public keys; returns the claims or throws JwtError. */
export function verifyJwt(token: string, publicKeys: KeyObject[]): JwtClaims {
  let verified = verifiedTokens.get(publicKeys);
  if (verified?.has(token)) return unverifiedClaims(token);
  const claims = verifySignature(token, publicKeys);
  if (!verified) verifiedTokens.set(publicKeys, (verified = new Set()));
  if (verified.size >= 10_000) verified.clear();
  verified.add(token);
  return claims;
}

function verifySignature(token: string, publicKeys: KeyObject[]): JwtClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token");
  let header: { alg?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as { alg?: unknown };
  } catch {
    throw new JwtError("malformed token header");
  }
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], "base64url");
  const ok = publicKeys.some((key) => {
    try {
      const alg = algorithmFor(key);
      if (header.alg !== alg) return false;
      return alg === "RS256"
        ? cryptoVerify("sha256", input, key, signature)
        : cryptoVerify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new JwtError("invalid signature");
  return unverifiedClaims(token);
}

/** Public keys from PEM text holding public keys, private keys or certificates. */
export function publicKeysFromPem(pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  const keys: KeyObject[] = [];
  for (const block of blocks) {
    if (block.includes("CERTIFICATE")) {
      keys.push(createPublicKey(block));
    } else {
      keys.push(createPublicKey(block.includes("PRIVATE") ? createPrivateKey(block) : block));
    }
  }
  return keys;
}

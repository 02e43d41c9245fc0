/**
 * Encryption at rest as upstream's EncryptionConfiguration
 * (apiserver.config.k8s.io/v1): per resource an ordered provider list, the
 * first encrypts, every one may decrypt (key rotation: list the new key
 * first). Stored form: `k8s:enc:<provider>:v1:<key name>:` followed by the
 * base64 ciphertext (the storage contract holds strings): aescbc is a random
 * 16-byte IV then AES-CBC with PKCS#7 padding, aesgcm a random 12-byte nonce,
 * the ciphertext and the 16-byte tag, secretbox (XSalsa20-Poly1305, 32-byte
 * keys) a random 24-byte nonce then the NaCl box (tag, ciphertext). identity
 * stores plaintext.
 */
import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  type CipherGCM,
  type DecipherGCM,
} from "node:crypto";
import { parseJsonOrYaml } from "../../util/yaml-on-use.ts";
import { secretboxOpen, secretboxSeal } from "./secretbox.ts";

export class EncryptionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncryptionConfigError";
  }
}

/** A value could not be decrypted with any configured key. */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

interface Key {
  name: string;
  secret: Buffer;
}

export interface Provider {
  kind: "aescbc" | "aesgcm" | "secretbox" | "identity";
  keys: Key[];
}

export interface ResourceEncryption {
  /** Storage key prefixes ("/registry/secrets/"). */
  prefixes: string[];
  providers: Provider[];
}

const PREFIX = "k8s:enc:";

function encryptWith(p: Provider, plaintext: string): string {
  if (p.kind === "identity") return plaintext;
  const key = p.keys[0];
  const data = Buffer.from(plaintext, "utf8");
  let out: Buffer;
  if (p.kind === "aescbc") {
    const iv = randomBytes(16);
    const c = createCipheriv(`aes-${key.secret.length * 8}-cbc`, key.secret, iv);
    out = Buffer.concat([iv, c.update(data), c.final()]);
  } else if (p.kind === "secretbox") {
    const nonce = randomBytes(24);
    out = Buffer.concat([nonce, secretboxSeal(data, nonce, key.secret)]);
  } else {
    const nonce = randomBytes(12);
    const c = createCipheriv(`aes-${key.secret.length * 8}-gcm`, key.secret, nonce);
    out = Buffer.concat([nonce, c.update(data), c.final(), (c as CipherGCM).getAuthTag()]);
  }
  return `${PREFIX}${p.kind}:v1:${key.name}:${out.toString("base64")}`;
}

function decryptWith(kind: "aescbc" | "aesgcm" | "secretbox", key: Key, payload: Buffer): string {
  if (kind === "secretbox") {
    const m =
      payload.length >= 24
        ? secretboxOpen(payload.subarray(24), payload.subarray(0, 24), key.secret)
        : null;
    if (!m) throw new DecryptionError("secretbox: authentication failed");
    return m.toString("utf8");
  }
  if (kind === "aescbc") {
    const d = createDecipheriv(
      `aes-${key.secret.length * 8}-cbc`,
      key.secret,
      payload.subarray(0, 16),
    );
    return Buffer.concat([d.update(payload.subarray(16)), d.final()]).toString("utf8");
  }
  const d = createDecipheriv(
    `aes-${key.secret.length * 8}-gcm`,
    key.secret,
    payload.subarray(0, 12),
  );
  (d as DecipherGCM).setAuthTag(payload.subarray(payload.length - 16));
  return Buffer.concat([d.update(payload.subarray(12, payload.length - 16)), d.final()]).toString(
    "utf8",
  );
}

/** Encrypts with the first provider. */
export function encryptValue(cfg: ResourceEncryption, plaintext: string): string {
  return encryptWith(cfg.providers[0], plaintext);
}

/** Decrypts a stored value with whichever provider/key its prefix names. */
export function decryptValue(cfg: ResourceEncryption, stored: string): string {
  if (!stored.startsWith(PREFIX)) {
    if (cfg.providers.some((p) => p.kind === "identity")) return stored;
    throw new DecryptionError("value is not encrypted and no identity provider is configured");
  }
  const m = /^k8s:enc:(aescbc|aesgcm|[a-z]+):v1:([^:]+):(.*)$/s.exec(stored);
  if (!m) throw new DecryptionError("malformed encrypted value");
  const [, kind, keyName, body] = m;
  for (const p of cfg.providers) {
    if (p.kind !== kind) continue;
    const key = p.keys.find((k) => k.name === keyName);
    if (!key) continue;
    try {
      return decryptWith(
        p.kind as "aescbc" | "aesgcm" | "secretbox",
        key,
        Buffer.from(body, "base64"),
      );
    } catch {
      throw new DecryptionError(`failed to decrypt with ${kind} key ${keyName}`);
    }
  }
  throw new DecryptionError(`no ${kind} key named ${keyName} is configured`);
}

/** Storage key prefix of a resource name in the config ("secrets", "deployments.apps"). */
function prefixOf(resource: string): string {
  return `/registry/${resource.split(".")[0]}/`;
}

/** Parses an EncryptionConfiguration (YAML or JSON). Throws EncryptionConfigError. */
export function parseEncryptionConfig(text: string): ResourceEncryption[] {
  const doc = parseJsonOrYaml(text) as {
    kind?: string;
    resources?: {
      resources?: string[];
      providers?: Record<string, { keys?: { name?: string; secret?: string }[] }>[];
    }[];
  };
  if (doc?.kind !== "EncryptionConfiguration")
    throw new EncryptionConfigError('kind must be "EncryptionConfiguration"');
  return (doc.resources ?? []).map((r, i) => {
    if (!r.resources?.length)
      throw new EncryptionConfigError(`resources[${i}].resources: Required value`);
    const providers: Provider[] = (r.providers ?? []).map((entry, j) => {
      const [kind, body] = Object.entries(entry)[0] ?? [];
      if (kind === "identity") return { kind, keys: [] };
      if (kind !== "aescbc" && kind !== "aesgcm" && kind !== "secretbox")
        throw new EncryptionConfigError(
          `resources[${i}].providers[${j}]: unsupported provider ${kind}`,
        );
      const keys = (body?.keys ?? []).map((k, n) => {
        const secret = Buffer.from(k.secret ?? "", "base64");
        if (!k.name)
          throw new EncryptionConfigError(
            `resources[${i}].providers[${j}].${kind}.keys[${n}].name: Required value`,
          );
        if (kind === "secretbox" && secret.length !== 32)
          throw new EncryptionConfigError(
            `resources[${i}].providers[${j}].${kind}.keys[${n}].secret: must be 32 bytes`,
          );
        if (![16, 24, 32].includes(secret.length))
          throw new EncryptionConfigError(
            `resources[${i}].providers[${j}].${kind}.keys[${n}].secret: must be 16, 24 or 32 bytes`,
          );
        return { name: k.name, secret };
      });
      if (keys.length === 0)
        throw new EncryptionConfigError(
          `resources[${i}].providers[${j}].${kind}.keys: Required value`,
        );
      return { kind, keys };
    });
    if (providers.length === 0)
      throw new EncryptionConfigError(`resources[${i}].providers: Required value`);
    return { prefixes: r.resources.map(prefixOf), providers };
  });
}

/** A fresh config encrypting secrets with a random AES-256 aescbc key (then identity for old data). */
export function generatedEncryptionConfig(): string {
  return JSON.stringify(
    {
      kind: "EncryptionConfiguration",
      apiVersion: "apiserver.config.k8s.io/v1",
      resources: [
        {
          resources: ["secrets"],
          providers: [
            {
              aescbc: { keys: [{ name: "aescbckey", secret: randomBytes(32).toString("base64") }] },
            },
            { identity: {} },
          ],
        },
      ],
    },
    null,
    2,
  );
}

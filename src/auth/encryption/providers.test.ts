import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { decryptValue, encryptValue, parseEncryptionConfig, DecryptionError } from "./providers.ts";

const key = () => randomBytes(32).toString("base64");

const config = (providers: object[]) =>
  JSON.stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [{ resources: ["secrets"], providers }],
  });

test("aescbc and aesgcm round-trip with upstream prefixes; rotation by listing the new key first", () => {
  const k1 = key();
  const k2 = key();
  const old = parseEncryptionConfig(
    config([{ aescbc: { keys: [{ name: "key1", secret: k1 }] } }, { identity: {} }]),
  )[0];
  const rotated = parseEncryptionConfig(
    config([
      { aesgcm: { keys: [{ name: "key2", secret: k2 }] } },
      { aescbc: { keys: [{ name: "key1", secret: k1 }] } },
    ]),
  )[0];
  assert.deepEqual(old.prefixes, ["/registry/secrets/"]);
  const plain = '{"data":{"password":"c2VjcmV0"}}';
  const a = encryptValue(old, plain);
  assert.match(a, /^k8s:enc:aescbc:v1:key1:/);
  assert.ok(!a.includes("c2VjcmV0"));
  assert.equal(decryptValue(old, a), plain);
  assert.equal(decryptValue(old, plain), plain, "identity reads unencrypted data");
  const b = encryptValue(rotated, plain);
  assert.match(b, /^k8s:enc:aesgcm:v1:key2:/);
  assert.equal(decryptValue(rotated, b), plain);
  assert.equal(decryptValue(rotated, a), plain, "old data still reads after rotation");
  assert.throws(() => decryptValue(old, b), DecryptionError);
  assert.throws(() => decryptValue(rotated, plain), DecryptionError);
  const tampered = b.slice(0, -6) + (b.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
  assert.throws(() => decryptValue(rotated, tampered), DecryptionError);
});

test("invalid configurations are rejected", () => {
  const cases: [string, RegExp][] = [
    [JSON.stringify({ kind: "Other" }), /EncryptionConfiguration/],
    [config([{ kms: { name: "k" } }]), /unsupported provider kms/],
    [
      config([
        { secretbox: { keys: [{ name: "k", secret: randomBytes(16).toString("base64") }] } },
      ]),
      /secretbox.keys\[0\].secret: must be 32 bytes/,
    ],
    [config([{ aescbc: { keys: [{ name: "k", secret: "c2hvcnQ=" }] } }]), /16, 24 or 32 bytes/],
    [config([{ aescbc: { keys: [] } }]), /keys: Required value/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseEncryptionConfig(text), re);
});

test("secretbox stores k8s:enc:secretbox:v1:<key>: + nonce + box and rotates like the others", () => {
  const k1 = randomBytes(32);
  const sb = parseEncryptionConfig(
    config([
      { secretbox: { keys: [{ name: "sb1", secret: k1.toString("base64") }] } },
      { identity: {} },
    ]),
  )[0];
  const plain = '{"data":{"password":"c2VjcmV0"}}';
  const stored = encryptValue(sb, plain);
  const m = /^k8s:enc:secretbox:v1:sb1:(.*)$/s.exec(stored);
  assert.ok(m, stored);
  const payload = Buffer.from(m[1], "base64");
  assert.equal(payload.length, 24 + 16 + Buffer.byteLength(plain), "nonce + tag + ciphertext");
  assert.ok(!stored.includes("c2VjcmV0"));
  assert.notEqual(encryptValue(sb, plain), stored, "a fresh nonce per write");
  assert.equal(decryptValue(sb, stored), plain);
  const rotated = parseEncryptionConfig(
    config([
      { aesgcm: { keys: [{ name: "g", secret: key() }] } },
      { secretbox: { keys: [{ name: "sb1", secret: k1.toString("base64") }] } },
    ]),
  )[0];
  assert.equal(decryptValue(rotated, stored), plain, "old secretbox data reads after rotation");
  const tampered = stored.slice(0, -4) + (stored.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.throws(() => decryptValue(sb, tampered), DecryptionError);
  const otherKey = parseEncryptionConfig(
    config([{ secretbox: { keys: [{ name: "sb1", secret: key() }] } }]),
  )[0];
  assert.throws(() => decryptValue(otherKey, stored), DecryptionError);
});

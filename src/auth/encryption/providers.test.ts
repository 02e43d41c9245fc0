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
    [
      config([{ secretbox: { keys: [{ name: "k", secret: key() }] } }]),
      /unsupported provider secretbox/,
    ],
    [config([{ aescbc: { keys: [{ name: "k", secret: "c2hvcnQ=" }] } }]), /16, 24 or 32 bytes/],
    [config([{ aescbc: { keys: [] } }]), /keys: Required value/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseEncryptionConfig(text), re);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { issueCertificate } from "../pki/self-signed.ts";
import {
  caCertHash,
  clusterInfoKubeconfig,
  parseClusterInfoKubeconfig,
  signDetached,
  verifyDetached,
} from "./cluster-info.ts";

const token = { id: "abcdef", secret: "0123456789abcdef" };

test("cluster-info kubeconfig round-trips server and CA", async () => {
  const ca = await issueCertificate({ commonName: "k8ts-ca", usage: "ca" });
  const text = clusterInfoKubeconfig("https://127.0.0.1:6443", ca.certPem);
  assert.deepEqual(parseClusterInfoKubeconfig(text), {
    server: "https://127.0.0.1:6443",
    caPem: ca.certPem,
  });
  assert.throws(() => parseClusterInfoKubeconfig("apiVersion: v1\nclusters: []\n"));
});

test("detached JWS: header..signature, verifies only with the same token and content", () => {
  const jws = signDetached("content", token);
  const [header, payload, sig] = jws.split(".");
  assert.equal(payload, "");
  assert.ok(sig!.length > 20);
  assert.deepEqual(JSON.parse(Buffer.from(header!, "base64url").toString()), {
    alg: "HS256",
    kid: "abcdef",
  });
  const cases: [string, string, typeof token, boolean][] = [
    ["content", jws, token, true],
    ["content!", jws, token, false],
    ["content", jws, { id: "abcdef", secret: "0123456789abcdee" }, false],
    ["content", jws.slice(0, -1), token, false],
  ];
  for (const [content, sigText, t, want] of cases)
    assert.equal(verifyDetached(content, sigText, t), want);
});

test("caCertHash is sha256 of the CA's SubjectPublicKeyInfo", async () => {
  const ca = await issueCertificate({ commonName: "k8ts-ca", usage: "ca" });
  const spki = new X509Certificate(ca.certPem).publicKey.export({ type: "spki", format: "der" });
  assert.equal(caCertHash(ca.certPem), `sha256:${createHash("sha256").update(spki).digest("hex")}`);
  const other = await issueCertificate({ commonName: "k8ts-ca", usage: "ca" });
  assert.notEqual(caCertHash(ca.certPem), caCertHash(other.certPem));
});

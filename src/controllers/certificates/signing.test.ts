import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { issueCertificate } from "../../pki/self-signed.ts";
import {
  issueForCsr,
  KUBE_APISERVER_CLIENT,
  KUBE_APISERVER_CLIENT_KUBELET,
  KUBELET_SERVING,
  SignerValidationError,
  validateForSigner,
} from "./signing.ts";

/** A PEM CSR for an RSA key (forge builds and signs it). */
function makeCsr(
  subject: Record<string, string>,
  sans: { dns?: string[]; ips?: string[] } = {},
): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const key = forge.pki.privateKeyFromPem(
    privateKey.export({ type: "pkcs1", format: "pem" }) as string,
  );
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(
    (key as forge.pki.rsa.PrivateKey).n,
    (key as forge.pki.rsa.PrivateKey).e,
  );
  csr.setSubject(Object.entries(subject).map(([shortName, value]) => ({ shortName, value })));
  const altNames = [
    ...(sans.dns ?? []).map((value) => ({ type: 2, value })),
    ...(sans.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length)
    csr.setAttributes([
      { name: "extensionRequest", extensions: [{ name: "subjectAltName", altNames }] },
    ]);
  csr.sign(key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return Buffer.from(forge.pki.certificationRequestToPem(csr)).toString("base64");
}

test("signer rules: usages, node subjects, SANs", () => {
  const jane = makeCsr({ CN: "jane", O: "devs" });
  const node = makeCsr({ O: "system:nodes", CN: "system:node:n1" });
  const serving = makeCsr(
    { O: "system:nodes", CN: "system:node:n1" },
    { dns: ["n1"], ips: ["10.0.0.1"] },
  );
  const cases: [string, string, string, string[], boolean][] = [
    ["client ok", jane, KUBE_APISERVER_CLIENT, ["client auth"], true],
    ["client with server auth", jane, KUBE_APISERVER_CLIENT, ["server auth"], false],
    [
      "kubelet client ok",
      node,
      KUBE_APISERVER_CLIENT_KUBELET,
      ["client auth", "digital signature"],
      true,
    ],
    ["kubelet client wrong subject", jane, KUBE_APISERVER_CLIENT_KUBELET, ["client auth"], false],
    ["kubelet client with SANs", serving, KUBE_APISERVER_CLIENT_KUBELET, ["client auth"], false],
    ["serving ok", serving, KUBELET_SERVING, ["server auth"], true],
    ["serving without SANs", node, KUBELET_SERVING, ["server auth"], false],
    [
      "garbage",
      Buffer.from("junk").toString("base64"),
      KUBE_APISERVER_CLIENT,
      ["client auth"],
      false,
    ],
  ];
  for (const [name, request, signerName, usages, ok] of cases) {
    const run = () => validateForSigner({ request, signerName, usages });
    if (ok) assert.doesNotThrow(run, name);
    else assert.throws(run, SignerValidationError, name);
  }
});

test("issued certificates: CA-signed, subject kept, expiry capped", async () => {
  const ca = await issueCertificate({ commonName: "ca", usage: "ca" });
  const spec = {
    request: makeCsr({ CN: "jane", O: "devs" }),
    signerName: KUBE_APISERVER_CLIENT,
    usages: ["client auth"],
    expirationSeconds: 3600,
  };
  const now = Date.parse("2030-01-01T00:00:00Z");
  const pem = issueForCsr(validateForSigner(spec), spec, ca, now, 86_400_000);
  const cert = new X509Certificate(pem);
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  assert.match(cert.subject, /CN=jane/);
  assert.match(cert.subject, /O=devs/);
  assert.equal(new Date(cert.validTo).getTime(), now + 3600_000);
  const long = { ...spec, expirationSeconds: 10 * 86_400 };
  const capped = new X509Certificate(
    issueForCsr(validateForSigner(long), long, ca, now, 86_400_000),
  );
  assert.equal(new Date(capped.validTo).getTime(), now + 86_400_000);
});

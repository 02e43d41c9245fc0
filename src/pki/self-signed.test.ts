import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureClusterPki } from "./self-signed.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { parse } from "yaml";

test("ensureClusterPki issues a CA, a serving and an admin certificate, and reuses them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-pki-"));
  try {
    const pki = await ensureClusterPki(dir);
    const ca = new X509Certificate(pki.ca.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    const admin = new X509Certificate(pki.admin.certPem);
    assert.ok(ca.ca);
    assert.ok(serving.verify(ca.publicKey));
    assert.ok(admin.verify(ca.publicKey));
    assert.ok(serving.checkIssued(ca));
    for (const name of [
      "localhost",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
    ]) {
      assert.ok(serving.checkHost(name), name);
    }
    assert.ok(serving.checkIP("127.0.0.1"));
    assert.ok(serving.checkIP("10.43.0.1"), "the kubernetes Service ClusterIP");
    assert.ok(serving.checkIP("10.42.0.1"), "the pod bridge gateway");
    assert.ok(!serving.checkIP("10.42.0.2"));
    assert.match(admin.subject, /CN=kubernetes-admin/);
    assert.match(admin.subject, /O=system:masters/);
    const again = await ensureClusterPki(dir);
    assert.equal(again.serving.certPem, pki.serving.certPem);
    assert.equal(await readFile(join(dir, "ca.crt"), "utf8"), pki.ca.certPem);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("renderKubeconfig writes parseable YAML with embedded credentials", () => {
  const text = renderKubeconfig({
    server: "https://127.0.0.1:6443",
    caPem: "CA",
    clientCertPem: "CERT",
    clientKeyPem: "KEY",
  });
  const cfg = parse(text);
  assert.equal(cfg["current-context"], "default");
  assert.equal(cfg.clusters[0].cluster.server, "https://127.0.0.1:6443");
  assert.equal(
    Buffer.from(cfg.clusters[0].cluster["certificate-authority-data"], "base64").toString(),
    "CA",
  );
  assert.equal(Buffer.from(cfg.users[0].user["client-key-data"], "base64").toString(), "KEY");
  assert.deepEqual(cfg.contexts[0].context, { cluster: "default", user: "default" });
});

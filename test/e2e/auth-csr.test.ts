/**
 * The classic CertificateSigningRequest flow for user "jane": openssl key and
 * CSR, a CSR object, `kubectl certificate approve`, the signed certificate,
 * a kubeconfig, then 403 until a RoleBinding grants pod listing.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually, runCommand, startCluster, type TestCluster } from "./harness.ts";

const k8ts = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "k8ts");

const run = (cmd: string, args: string[], cwd: string) => runCommand(cmd, args, { cwd });

const csrObject = (
  name: string,
  request: string,
  signerName = "kubernetes.io/kube-apiserver-client",
) =>
  JSON.stringify({
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: {
      request: Buffer.from(request).toString("base64"),
      signerName,
      expirationSeconds: 86400,
      usages: ["client auth"],
    },
  });

describe("certificate signing requests", () => {
  let cluster: TestCluster;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-csr-"));
    cluster = await startCluster();
    for (const [name, subj] of [
      ["jane", "/CN=jane"],
      ["eve", "/CN=eve"],
    ]) {
      assert.equal((await run("openssl", ["genrsa", "-out", `${name}.key`, "2048"], dir)).code, 0);
      const req = await run(
        "openssl",
        ["req", "-new", "-key", `${name}.key`, "-subj", subj, "-out", `${name}.csr`],
        dir,
      );
      assert.equal(req.code, 0, req.stderr);
    }
  });
  after(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("jane: CSR, approve, certificate, kubeconfig, 403 until a RoleBinding", async () => {
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: csrObject("jane", await readFile(join(dir, "jane.csr"), "utf8")),
    });
    const pending = await cluster.kubectlOk(["get", "csr", "jane"]);
    assert.match(pending, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/);
    assert.match(
      pending,
      /kubernetes.io\/kube-apiserver-client\s+kubernetes-admin\s+24h\s+Pending/,
    );
    assert.match(
      await cluster.kubectlOk(["certificate", "approve", "jane"]),
      /certificatesigningrequest.certificates.k8s.io\/jane approved/,
    );
    const certB64 = await eventually("the certificate", async () => {
      const out = await cluster.kubectlOk([
        "get",
        "csr",
        "jane",
        "-o",
        "jsonpath={.status.certificate}",
      ]);
      return out ? out : undefined;
    });
    assert.match(await cluster.kubectlOk(["get", "csr", "jane"]), /Approved,Issued/);
    await writeFile(join(dir, "jane.crt"), Buffer.from(certB64, "base64"));
    const verify = await run(
      "openssl",
      ["verify", "-CAfile", join(cluster.dataDir, "tls", "ca.crt"), "jane.crt"],
      dir,
    );
    assert.equal(verify.code, 0, verify.stderr);
    const text = await run("openssl", ["x509", "-in", "jane.crt", "-noout", "-text"], dir);
    assert.match(text.stdout, /TLS Web Client Authentication/);
    const kc = await run(
      process.execPath,
      [
        k8ts,
        "kubeconfig",
        "--user",
        "jane",
        "--cert",
        "jane.crt",
        "--key",
        "jane.key",
        "--ca",
        join(cluster.dataDir, "tls", "ca.crt"),
        "--server",
        cluster.url,
        "--embed",
        "--out",
        "jane.kubeconfig",
      ],
      dir,
    );
    assert.equal(kc.code, 0, kc.stderr);
    const asJane = (args: string[]) =>
      run(
        "kubectl",
        ["--kubeconfig", "jane.kubeconfig", "--cache-dir", join(dir, "cache"), ...args],
        dir,
      );
    const denied = await asJane(["get", "pods"]);
    assert.notEqual(denied.code, 0);
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/,
    );
    await cluster.kubectlOk([
      "create",
      "role",
      "developer",
      "--verb=list,get,create,delete",
      "--resource=pods",
    ]);
    await cluster.kubectlOk([
      "create",
      "rolebinding",
      "developer-binding-jane",
      "--role=developer",
      "--user=jane",
    ]);
    const allowed = await asJane(["get", "pods"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((await asJane(["auth", "can-i", "delete", "pods"])).stdout.trim(), "yes");
    assert.equal((await asJane(["auth", "can-i", "list", "secrets"])).stdout.trim(), "no");
  });

  test("deny, approval without the approve permission, and a signer refusing a request", async () => {
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: csrObject("eve", await readFile(join(dir, "eve.csr"), "utf8")),
    });
    const byJane = await cluster.kubectl(["certificate", "approve", "eve", "--as", "jane"]);
    assert.notEqual(byJane.code, 0);
    assert.match(byJane.stderr, /forbidden/);
    assert.match(await cluster.kubectlOk(["certificate", "deny", "eve"]), /denied/);
    assert.match(await cluster.kubectlOk(["get", "csr", "eve"]), /Denied/);
    const path = "/apis/certificates.k8s.io/v1/certificatesigningrequests/eve";
    const eve = JSON.parse((await cluster.request("GET", path)).body);
    eve.status.conditions.push({
      type: "Approved",
      status: "True",
      reason: "Test",
      message: "both",
    });
    const both = await cluster.request("PUT", `${path}/approval`, JSON.stringify(eve), {
      "Content-Type": "application/json",
    });
    assert.equal(both.status, 422, both.body);
    assert.match(
      JSON.parse(both.body).message,
      /Approved and Denied conditions are mutually exclusive/,
    );
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: csrObject(
        "not-a-node",
        await readFile(join(dir, "eve.csr"), "utf8"),
        "kubernetes.io/kube-apiserver-client-kubelet",
      ),
    });
    await cluster.kubectlOk(["certificate", "approve", "not-a-node"]);
    await eventually("the Failed condition", async () => {
      const out = await cluster.kubectlOk(["get", "csr", "not-a-node"]);
      return /Failed/.test(out) ? out : undefined;
    });
    const bad = await cluster.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name: "junk" },
        spec: {
          request: Buffer.from("junk").toString("base64"),
          signerName: "kubernetes.io/kube-apiserver-client",
          usages: ["client auth"],
        },
      }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec.request/);
  });

  test("a kubelet bootstrap CSR made with a bootstrap token is auto-approved and issued", async () => {
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "bootstrap-token-k8tsab", namespace: "kube-system" },
        type: "bootstrap.kubernetes.io/token",
        stringData: {
          "token-id": "k8tsab",
          "token-secret": "0123456789abcdef",
          "usage-bootstrap-authentication": "true",
        },
      }),
    });
    assert.equal((await run("openssl", ["genrsa", "-out", "n9.key", "2048"], dir)).code, 0);
    const req = await run(
      "openssl",
      [
        "req",
        "-new",
        "-key",
        "n9.key",
        "-subj",
        "/O=system:nodes/CN=system:node:n9",
        "-out",
        "n9.csr",
      ],
      dir,
    );
    assert.equal(req.code, 0, req.stderr);
    const body = JSON.parse(
      csrObject(
        "node-csr-n9",
        await readFile(join(dir, "n9.csr"), "utf8"),
        "kubernetes.io/kube-apiserver-client-kubelet",
      ),
    );
    body.spec.usages = ["digital signature", "client auth"];
    const created = await run(
      "curl",
      [
        "-s",
        "-k",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-X",
        "POST",
        "-H",
        "Authorization: Bearer k8tsab.0123456789abcdef",
        "-H",
        "Content-Type: application/json",
        "-d",
        JSON.stringify(body),
        `${cluster.url}/apis/certificates.k8s.io/v1/certificatesigningrequests`,
      ],
      dir,
    );
    assert.equal(created.stdout, "201");
    const row = await eventually("auto-approval and issue", async () => {
      const out = await cluster.kubectlOk(["get", "csr", "node-csr-n9"]);
      return /Approved,Issued/.test(out) ? out : undefined;
    });
    assert.match(row, /system:bootstrap:k8tsab/);
    const reason = await cluster.kubectlOk([
      "get",
      "csr",
      "node-csr-n9",
      "-o",
      "jsonpath={.status.conditions[0].reason}",
    ]);
    assert.equal(reason, "AutoApproved");
  });
});

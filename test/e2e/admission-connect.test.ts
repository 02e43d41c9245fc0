/**
 * Admission added for issue 12, through the real kubectl against `k8ts
 * server`: a validating webhook on CONNECT pods/exec (HTTPS on loopback, its
 * own CA) refuses `kubectl exec`; a mutating CONNECT webhook rewrites the
 * exec command and a nodes/proxy path, and the (stand-in) kubelet is asked
 * for the rewritten ones; a mutating webhook that accepts only
 * v1beta1 AdmissionReviews labels configmaps; PodSecurity audit labels put
 * `pod-security.kubernetes.io/audit-violations` into the audit log;
 * CertificateSubjectRestriction refuses a kube-apiserver-client CSR asking
 * for system:masters.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { eventually, startCluster, type TestCluster } from "./harness.ts";
import {
  patchResponse,
  startWebhookServer,
  type TestWebhookServer,
} from "../../src/apiserver/admission/webhook/testing.ts";
import { startFakeKubelet } from "../../src/apiserver/proxy/testing.ts";

type Rec = Record<string, unknown>;

describe("CONNECT admission, v1beta1 reviews and more built-in admission with kubectl", () => {
  let cluster: TestCluster;
  let hooks: TestWebhookServer;
  let auditLog: string;
  let dir: string;

  before(async () => {
    hooks = await startWebhookServer((request, path) => {
      if (path === "/exec")
        return {
          allowed: false,
          status: {
            code: 403,
            reason: "Forbidden",
            message: `exec of ${JSON.stringify((request.object as Rec).command)} is not allowed`,
          },
        };
      if (path === "/mutate-connect") {
        const kind = (request.object as Rec).kind;
        if (kind === "PodExecOptions")
          return patchResponse([{ op: "replace", path: "/command", value: ["echo", "mutated"] }]);
        if (kind === "NodeProxyOptions")
          return patchResponse([{ op: "replace", path: "/path", value: "healthz" }]);
        return { allowed: true };
      }
      if (path === "/beta")
        return patchResponse([
          { op: "add", path: "/metadata/labels", value: { review: "v1beta1" } },
        ]);
      return { allowed: true };
    });
    dir = await mkdtemp(join(tmpdir(), "k8ts-admission-connect-"));
    auditLog = join(dir, "audit.log");
    const policy = join(dir, "audit-policy.yaml");
    await writeFile(
      policy,
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources:\n  - group: ""\n    resources: [pods]\n',
    );
    cluster = await startCluster({
      args: ["--audit-policy-file", policy, "--audit-log-path", auditLog],
    });
    const rule = (ops: string[], resources: string[]) =>
      `  rules:\n  - operations: ${JSON.stringify(ops)}\n    apiGroups: [""]\n    apiVersions: ["v1"]\n    resources: ${JSON.stringify(resources)}\n`;
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: no-exec}
webhooks:
- name: no-exec.k8ts.test
  clientConfig: {url: "${hooks.url}/exec", caBundle: ${hooks.caBundle}}
${rule(["CONNECT"], ["pods/exec"])}  sideEffects: None
  admissionReviewVersions: ["v1"]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: beta}
webhooks:
- name: beta.k8ts.test
  clientConfig: {url: "${hooks.url}/beta", caBundle: ${hooks.caBundle}}
${rule(["CREATE"], ["configmaps"])}  sideEffects: None
  admissionReviewVersions: ["v1beta1"]
`,
    });
  });

  after(async () => {
    await cluster?.stop();
    await hooks?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a CONNECT webhook refuses kubectl exec and sees PodExecOptions", async () => {
    await cluster.kubectlOk(["run", "shell", "--image=busybox", "--restart=Never"]);
    const out = await eventually("kubectl exec to be refused by the webhook", async () => {
      const r = await cluster.kubectl(["exec", "shell", "--", "rm", "-rf", "/data"]);
      return r.code !== 0 && /no-exec\.k8ts\.test/.test(r.stderr) ? r.stderr : undefined;
    });
    assert.match(
      out,
      /admission webhook "no-exec\.k8ts\.test" denied the request: exec of \["rm","-rf","\/data"\] is not allowed/,
    );
    const seen = hooks.requests.find((r) => r.path === "/exec")!.request;
    assert.equal(seen.operation, "CONNECT");
    assert.deepEqual(seen.kind, { group: "", version: "v1", kind: "PodExecOptions" });
    assert.equal((seen.userInfo as Rec).username, "kubernetes-admin");
  });

  test("a mutating CONNECT webhook's changes are what the kubelet is asked for", async () => {
    const kubelet = await startFakeKubelet();
    try {
      // The first test's webhook refuses every exec.
      await cluster.kubectlOk(["delete", "validatingwebhookconfiguration", "no-exec"]);
      await cluster.kubectlOk(["apply", "-f", "-"], {
        input: `apiVersion: v1
kind: Node
metadata: {name: stand-in}
---
apiVersion: v1
kind: Pod
metadata: {name: on-stand-in}
spec:
  nodeName: stand-in
  containers: [{name: main, image: busybox}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: connect-mutator}
webhooks:
- name: connect-mutator.k8ts.test
  clientConfig: {url: "${hooks.url}/mutate-connect", caBundle: ${hooks.caBundle}}
  rules:
  - operations: ["CONNECT"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods/exec", "nodes/proxy"]
  sideEffects: None
  admissionReviewVersions: ["v1"]
`,
      });
      const status = {
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
      };
      await cluster.kubectlOk([
        "patch",
        "node",
        "stand-in",
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status }),
      ]);
      const exec = await eventually("kubectl exec to reach the kubelet mutated", async () => {
        // The stand-in kubelet closes the stream at once: kubectl fails, the path is what counts.
        await cluster.kubectl([
          "exec",
          "on-stand-in",
          "--request-timeout=20s",
          "--",
          "rm",
          "-rf",
          "/",
        ]);
        return kubelet.seen.find((p) => p.startsWith("/exec/"));
      });
      assert.match(exec, /^\/exec\/default\/on-stand-in\/main\?command=echo&command=mutated&/);
      assert.ok(
        !kubelet.seen.some((p) => p.includes("command=rm")),
        "the original command never left",
      );
      const raw = await cluster.kubectlOk([
        "get",
        "--raw",
        "/api/v1/nodes/stand-in/proxy/stats/summary",
      ]);
      assert.equal(raw, "ok");
      assert.equal(kubelet.seen.at(-1), "/healthz");
    } finally {
      await kubelet.close();
    }
  });

  test("a webhook accepting only v1beta1 gets a v1beta1 review and its patch applies", async () => {
    const labels = await eventually("the v1beta1 webhook to label a configmap", async () => {
      const name = `cm-${hooks.requests.length}`;
      await cluster.kubectlOk(["create", "configmap", name, "--from-literal=a=b"]);
      const out = await cluster.kubectlOk([
        "get",
        "configmap",
        name,
        "-o",
        "jsonpath={.metadata.labels.review}",
      ]);
      return out === "v1beta1" ? out : undefined;
    });
    assert.equal(labels, "v1beta1");
    const beta = hooks.requests.filter((r) => r.path === "/beta");
    assert.ok(beta.length > 0);
    for (const r of beta) assert.equal(r.apiVersion, "admission.k8s.io/v1beta1");
  });

  test("PodSecurity audit mode records audit-violations in the audit log", async () => {
    await cluster.kubectlOk(["create", "namespace", "audited"]);
    await cluster.kubectlOk([
      "label",
      "namespace",
      "audited",
      "pod-security.kubernetes.io/audit=restricted",
    ]);
    await cluster.kubectlOk([
      "run",
      "plain",
      "-n",
      "audited",
      "--image=busybox",
      "--restart=Never",
    ]);
    const event = await eventually("the pod's audit event", async () => {
      const lines = (await readFile(auditLog, "utf8")).split("\n").filter((l) => l);
      return lines
        .map((l) => JSON.parse(l) as Rec)
        .find(
          (e) =>
            e.verb === "create" &&
            e.stage === "ResponseComplete" &&
            (e.objectRef as Rec)?.namespace === "audited",
        );
    });
    const annotations = event.annotations as Record<string, string>;
    assert.equal(annotations["pod-security.kubernetes.io/enforce-policy"], "privileged:latest");
    assert.match(
      annotations["pod-security.kubernetes.io/audit-violations"],
      /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
    );
  });

  test("CertificateSubjectRestriction refuses system:masters for kube-apiserver-client", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    csr.setSubject([
      { shortName: "O", value: "system:masters" },
      { shortName: "CN", value: "mallory" },
    ]);
    csr.sign(key, forge.md.sha256.create());
    const request = Buffer.from(forge.pki.certificationRequestToPem(csr)).toString("base64");
    const r = await cluster.kubectl(["create", "-f", "-"], {
      input: `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: mallory}
spec:
  signerName: kubernetes.io/kube-apiserver-client
  usages: [client auth]
  request: ${request}
`,
    });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server \(Forbidden\).*certificatesigningrequests\.certificates\.k8s\.io "mallory" is forbidden: use of kubernetes\.io\/kube-apiserver-client signer with system:masters group is not allowed/,
    );
  });
});

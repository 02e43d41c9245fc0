/**
 * Admission webhooks and ValidatingAdmissionPolicy through the real kubectl:
 * an HTTPS webhook server in this process (127.0.0.1, port 0, its own CA)
 * denies unlabelled pods and labels configmaps; failurePolicy Ignore vs Fail
 * with the webhook down; a timeout; a policy rejecting replicas > 5; a
 * policy's type-checking warnings in its status.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, startCluster, type KubectlResult, type TestCluster } from "./harness.ts";
import {
  patchResponse,
  startWebhookServer,
  type TestWebhookServer,
} from "../../src/apiserver/admission/webhook/testing.ts";
import {
  apiServiceManifest,
  startExtensionServer,
} from "../../src/apiserver/aggregator/testing.ts";

type Rec = Record<string, unknown>;

/** Retries `fn` until `done` accepts its result (configuration reaches the server through a watch). */
async function until(
  fn: () => Promise<KubectlResult>,
  done: (r: KubectlResult) => boolean,
): Promise<KubectlResult> {
  let last: KubectlResult = { code: -1, stdout: "", stderr: "" };
  return eventually(
    "the expected outcome",
    async () => {
      last = await fn();
      return done(last) ? last : undefined;
    },
    { context: () => `last: ${last.code} ${last.stderr}${last.stdout}` },
  );
}

describe("admission webhooks and policies with kubectl", () => {
  let cluster: TestCluster;
  let hooks: TestWebhookServer;
  let n = 0;

  before(async () => {
    hooks = await startWebhookServer((request, path) => {
      const labels = (((request.object as Rec)?.metadata as Rec)?.labels ?? {}) as Rec;
      if (path === "/pods")
        return labels.team
          ? { allowed: true, warnings: ["pod checked by the test webhook"] }
          : {
              allowed: false,
              status: { code: 403, reason: "Forbidden", message: "pods need a team label" },
            };
      if (path === "/label")
        return patchResponse([{ op: "add", path: "/metadata/labels", value: { injected: "yes" } }]);
      if (path === "/hang") return "hang";
      return { allowed: true };
    });
    cluster = await startCluster();
  });

  after(async () => {
    await cluster?.stop();
    await hooks?.close();
  });

  const apply = (yaml: string) => cluster.kubectlOk(["apply", "-f", "-"], { input: yaml });
  const hookYaml = (kind: string, name: string, body: string) => `
apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}
metadata:
  name: ${name}
webhooks:
${body}`;
  const webhook = (name: string, url: string, resources: string, extra = "") => `
- name: ${name}
  clientConfig:
    url: ${url}
    caBundle: ${hooks.caBundle}
  rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["${resources}"]
  sideEffects: None
  admissionReviewVersions: ["v1"]
${extra}`;

  test("a validating webhook denies pods without a label, with upstream's message", async () => {
    await apply(
      hookYaml(
        "ValidatingWebhookConfiguration",
        "pod-policy",
        webhook("pods.k8ts.test", `${hooks.url}/pods`, "pods"),
      ),
    );
    const denied = await until(
      () => cluster.kubectl(["run", `bare-${n++}`, "--image=busybox", "--restart=Never"]),
      (r) => r.code !== 0 && r.stderr.includes("admission webhook"),
    );
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): admission webhook "pods\.k8ts\.test" denied the request: pods need a team label/,
    );
    const ok = await until(
      () =>
        cluster.kubectl([
          "run",
          `team-${n++}`,
          "--image=busybox",
          "--restart=Never",
          "--labels=team=a",
        ]),
      (r) => r.code === 0,
    );
    assert.match(ok.stderr, /Warning: pod checked by the test webhook/);
    const table = await cluster.kubectlOk(["get", "validatingwebhookconfigurations"]);
    assert.match(table, /^NAME\s+WEBHOOKS\s+AGE\npod-policy\s+1\s+\S+/);
    await cluster.kubectlOk(["delete", "validatingwebhookconfiguration", "pod-policy"]);
  });

  test("a mutating webhook's patch shows in the stored configmap", async () => {
    await apply(
      hookYaml(
        "MutatingWebhookConfiguration",
        "labeller",
        webhook("label.k8ts.test", `${hooks.url}/label`, "configmaps"),
      ),
    );
    const name = await (async () => {
      for (;;) {
        const cm = `cm-${n++}`;
        await cluster.kubectlOk(["create", "configmap", cm, "--from-literal=a=b"]);
        const labels = await cluster.kubectlOk([
          "get",
          "configmap",
          cm,
          "-o",
          "jsonpath={.metadata.labels.injected}",
        ]);
        if (labels === "yes") return cm;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const shown = await cluster.kubectlOk(["get", "configmap", name, "--show-labels"]);
    assert.match(shown, /injected=yes/);
    await cluster.kubectlOk(["delete", "mutatingwebhookconfiguration", "labeller"]);
  });

  test("failurePolicy Ignore lets requests through a down webhook; Fail rejects them; timeouts fail", async () => {
    const down = "https://127.0.0.1:1/down";
    await apply(
      hookYaml(
        "ValidatingWebhookConfiguration",
        "down",
        [
          webhook(
            "ignore.k8ts.test",
            down,
            "configmaps",
            "  failurePolicy: Ignore\n  objectSelector: {matchLabels: {probe: ignore}}",
          ),
          webhook(
            "fail.k8ts.test",
            down,
            "configmaps",
            "  failurePolicy: Fail\n  objectSelector: {matchLabels: {probe: fail}}",
          ),
          webhook(
            "slow.k8ts.test",
            `${hooks.url}/hang`,
            "configmaps",
            "  timeoutSeconds: 1\n  objectSelector: {matchLabels: {probe: slow}}",
          ),
        ].join(""),
      ),
    );
    const cm = (probe: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe-${probe}-${n++}\n  labels: {probe: ${probe}}\n`;
    const failed = await until(
      () => cluster.kubectl(["create", "-f", "-"], { input: cm("fail") }),
      (r) => r.code !== 0,
    );
    assert.match(
      failed.stderr,
      /Internal error occurred: failed calling webhook "fail\.k8ts\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:1\/down\?timeout=10s": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
    );
    await cluster.kubectlOk(["create", "-f", "-"], { input: cm("ignore") });
    const slow = await cluster.kubectl(["create", "-f", "-"], { input: cm("slow") });
    assert.notEqual(slow.code, 0);
    assert.match(
      slow.stderr,
      /failed calling webhook "slow\.k8ts\.test": .*timeout=1s": context deadline exceeded/,
    );
    await cluster.kubectlOk(["delete", "validatingwebhookconfiguration", "down"]);
  });

  test("a ValidatingAdmissionPolicy rejects deployments with more than 5 replicas", async () => {
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: max-replicas
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas-binding
spec:
  policyName: max-replicas
  validationActions: [Deny]
`);
    const denied = await until(
      () =>
        cluster.kubectl(["create", "deployment", `big-${n++}`, "--image=busybox", "--replicas=6"]),
      (r) => r.code !== 0,
    );
    assert.match(
      denied.stderr,
      /ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object\.spec\.replicas <= 5/,
    );
    await cluster.kubectlOk(["create", "deployment", "small", "--image=busybox", "--replicas=5"]);
    // An UPDATE through the main resource is checked too (/scale is a subresource the rule omits).
    const patched = await cluster.kubectl([
      "patch",
      "deployment",
      "small",
      "-p",
      '{"spec":{"replicas":7}}',
    ]);
    assert.notEqual(patched.code, 0);
    assert.match(patched.stderr, /denied request: failed expression/);
    const table = await cluster.kubectlOk(["get", "validatingadmissionpolicies"]);
    assert.match(table, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nmax-replicas\s+1\s+<unset>\s+\S+/);
  });
  test("a policy's status reports type-checking warnings against the matched kinds' schemas", async () => {
    await apply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: typo-policy
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments", "replicasets"]
  variables:
  - name: replicas
    expression: "object.spec.replicas"
  validations:
  - expression: "object.spec.replicaz <= 5"
  - expression: "variables.replicas <= 5"
    messageExpression: "'too many: ' + variables.replicas"
`);
    const yaml = await until(
      () => cluster.kubectl(["get", "validatingadmissionpolicy", "typo-policy", "-o", "yaml"]),
      (r) => r.code === 0 && r.stdout.includes("expressionWarnings"),
    );
    const status = yaml.stdout.slice(yaml.stdout.indexOf("\nstatus:"));
    assert.match(status, /observedGeneration: 1/);
    assert.match(status, /fieldRef: spec\.validations\[0\]\.expression/);
    assert.match(
      status,
      /apps\/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replicaz'/,
    );
    assert.match(
      status,
      /apps\/v1, Kind=ReplicaSet: ERROR: <input>:1:12: undefined field 'replicaz'/,
    );
    // variables.replicas is an int: only the message expression adding it to a string is wrong.
    assert.doesNotMatch(status, /spec\.validations\[1\]\.expression/);
    assert.match(status, /fieldRef: spec\.validations\[1\]\.messageExpression/);
    assert.match(status, /found no matching overload for '_\+_' applied to '\(string, int\)'/);
    await cluster.kubectlOk(["delete", "validatingadmissionpolicy", "typo-policy"]);
  });

  test("an APIService backed by a loopback extension server answers kubectl get --raw", async () => {
    const ext = await startExtensionServer({
      group: "demo.k8ts.test",
      version: "v1",
      service: "demo-api",
      namespace: "default",
    });
    try {
      await apply(
        apiServiceManifest({
          service: "demo-api",
          group: "demo.k8ts.test",
          version: "v1",
          port: ext.port,
          caBundle: ext.caBundle,
        }),
      );
      const raw = await until(
        () => cluster.kubectl(["get", "--raw", "/apis/demo.k8ts.test/v1"]),
        (r) => r.code === 0,
      );
      assert.equal(JSON.parse(raw.stdout).groupVersion, "demo.k8ts.test/v1");
      const widgets = await cluster.kubectlOk([
        "get",
        "--raw",
        "/apis/demo.k8ts.test/v1/namespaces/default/widgets",
      ]);
      assert.equal(JSON.parse(widgets).items[0].metadata.name, "w1");
      const table = await cluster.kubectlOk(["get", "apiservices"]);
      assert.match(table, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE\n/);
      assert.match(table, /\nv1\.demo\.k8ts\.test\s+default\/demo-api\s+True\s+/);
      assert.match(table, /\nv1\.apps\s+Local\s+True\s+/);
      const versions = await cluster.kubectlOk(["api-versions"]);
      assert.match(versions, /^demo\.k8ts\.test\/v1$/m);
    } finally {
      await ext.close();
    }
  });
});

/**
 * CONNECT admission against a real HTTPS webhook server: webhooks and
 * policies see the connect options, can deny, and a mutating webhook's
 * changes to the options are what the handlers use (checked at a fake
 * kubelet that records the paths it is asked for).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startFakeKubelet } from "../proxy/testing.ts";
import { defaultPipeline } from "../pipeline.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { connectAdmissionFilter } from "./connect-admission.ts";
import { extensibilityAdmission } from "./webhook/extensibility.ts";
import { patchResponse, startWebhookServer, type TestWebhookServer } from "./webhook/testing.ts";

type Rec = Record<string, unknown>;

let api: TestServer;
let hooks: TestWebhookServer;

before(async () => {
  hooks = await startWebhookServer((request, path) => {
    const obj = (request.object ?? {}) as Rec;
    if (path === "/no-shell-rm")
      return (obj.command as string[] | undefined)?.includes("rm")
        ? { allowed: false, status: { code: 403, reason: "Forbidden", message: "no rm" } }
        : { allowed: true };
    if (path === "/mutate-connect") {
      const ops: Rec = {
        PodExecOptions: [
          { op: "replace", path: "/command", value: ["echo", "mutated"] },
          { op: "add", path: "/container", value: "c2" },
        ],
        PodPortForwardOptions: [{ op: "replace", path: "/ports", value: [7070] }],
        NodeProxyOptions: [{ op: "replace", path: "/path", value: "healthz" }],
        PodAttachOptions: [{ op: "add", path: "/stdin", value: "yes" }],
      };
      return patchResponse((ops[String(obj.kind)] as unknown[]) ?? []);
    }
    if (path === "/beta-label")
      return patchResponse([{ op: "add", path: "/metadata/labels", value: { beta: "yes" } }], {
        patchType: undefined,
      });
    return { allowed: true };
  });
  const ext = extensibilityAdmission();
  const pipeline = defaultPipeline();
  pipeline.admission.push(...ext.plugins);
  pipeline.filters.push(connectAdmissionFilter());
  api = await startTestServer({ pipeline, bootstrap: false });
  ext.bind(api.server.context);
  await api.call("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "default" },
  });
});

after(async () => {
  await api.close();
  await hooks.close();
});

async function configure(kind: "Validating" | "Mutating", name: string, webhooks: Rec[]) {
  const resource = `${kind.toLowerCase()}webhookconfigurations`;
  const r = await api.call("POST", `/apis/admissionregistration.k8s.io/v1/${resource}`, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks,
  });
  assert.equal(r.status, 201, r.text);
}

async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition never held");
}

test("CONNECT webhooks see the connect options and can deny exec before it reaches a kubelet", async () => {
  await configure("Validating", "connect", [
    {
      name: "exec.k8ts.test",
      clientConfig: { url: `${hooks.url}/no-shell-rm`, caBundle: hooks.caBundle },
      rules: [
        {
          operations: ["CONNECT"],
          apiGroups: [""],
          apiVersions: ["v1"],
          resources: ["pods/exec", "pods/attach", "pods/portforward", "nodes/proxy"],
        },
      ],
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
    },
  ]);
  const denied = await eventually(async () => {
    const r = await api.call(
      "POST",
      "/api/v1/namespaces/default/pods/web/exec?command=rm&command=-rf&container=c1&stdout=true&stderr=true",
    );
    return r.status === 403 ? r : undefined;
  });
  assert.equal(denied.body.message, 'admission webhook "exec.k8ts.test" denied the request: no rm');
  const seen = hooks.requests.filter((r) => r.path === "/no-shell-rm");
  const exec = seen.find((r) => (r.request.object as Rec).kind === "PodExecOptions")!.request;
  assert.deepEqual(
    [exec.operation, exec.kind, exec.resource, exec.subResource, exec.name, exec.namespace],
    [
      "CONNECT",
      { group: "", version: "v1", kind: "PodExecOptions" },
      { group: "", version: "v1", resource: "pods" },
      "exec",
      "web",
      "default",
    ],
  );
  assert.deepEqual(exec.object, {
    kind: "PodExecOptions",
    apiVersion: "v1",
    stdout: true,
    stderr: true,
    container: "c1",
    command: ["rm", "-rf"],
  });
  assert.equal(exec.options, undefined, "CONNECT has no operation options");

  // Allowed: the request goes on to the handler (no pod here: 404 from the pod REST).
  const allowed = await api.call("POST", "/api/v1/namespaces/default/pods/web/exec?command=ls");
  assert.equal(allowed.status, 404, allowed.text);

  const table: [string, Rec][] = [
    [
      "/api/v1/namespaces/default/pods/web/attach?stdin=true&tty=true",
      { kind: "PodAttachOptions", apiVersion: "v1", stdin: true, tty: true },
    ],
    [
      "/api/v1/namespaces/default/pods/web/portforward?ports=8080,9090",
      { kind: "PodPortForwardOptions", apiVersion: "v1", ports: [8080, 9090] },
    ],
    [
      "/api/v1/nodes/n1/proxy/stats/summary",
      { kind: "NodeProxyOptions", apiVersion: "v1", path: "stats/summary" },
    ],
  ];
  for (const [path, object] of table) {
    const before = hooks.requests.length;
    await api.call("GET", path);
    const sent = hooks.requests.slice(before).map((r) => r.request.object);
    assert.deepEqual(sent, [object], path);
  }
});

test("a webhook listing only v1beta1 gets a v1beta1 AdmissionReview and may omit patchType", async () => {
  await configure("Mutating", "beta", [
    {
      name: "beta.k8ts.test",
      clientConfig: { url: `${hooks.url}/beta-label`, caBundle: hooks.caBundle },
      rules: [
        { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["secrets"] },
      ],
      sideEffects: "None",
      admissionReviewVersions: ["v1beta1"],
    },
  ]);
  const created = await eventually(async () => {
    const r = await api.call("POST", "/api/v1/namespaces/default/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `s${Math.random().toString(36).slice(2, 8)}` },
    });
    return r.body?.metadata?.labels?.beta === "yes" ? r : undefined;
  });
  assert.equal(created.status, 201);
  const sent = hooks.requests.find((r) => r.path === "/beta-label");
  assert.equal(sent?.apiVersion, "admission.k8s.io/v1beta1");
});

test("a ValidatingAdmissionPolicy on CONNECT pods/exec sees the PodExecOptions as object", async () => {
  const post = async (resource: string, body: Rec) => {
    const r = await api.call("POST", `/apis/admissionregistration.k8s.io/v1/${resource}`, body);
    assert.equal(r.status, 201, r.text);
  };
  await post("validatingadmissionpolicies", {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "no-tty-exec" },
    spec: {
      matchConstraints: {
        resourceRules: [
          {
            operations: ["CONNECT"],
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["pods/exec"],
          },
        ],
      },
      validations: [
        {
          expression: "!has(object.tty) || !object.tty",
          message: "interactive exec is not allowed",
        },
      ],
    },
  });
  await post("validatingadmissionpolicybindings", {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: "no-tty-exec" },
    spec: { policyName: "no-tty-exec", validationActions: ["Deny"] },
  });
  const denied = await eventually(async () => {
    const r = await api.call(
      "POST",
      "/api/v1/namespaces/default/pods/web/exec?command=sh&tty=true",
    );
    return r.status === 422 ? r : undefined;
  });
  assert.equal(
    denied.body.message,
    `pods "web" is forbidden: ValidatingAdmissionPolicy 'no-tty-exec' with binding 'no-tty-exec' denied request: interactive exec is not allowed`,
  );
  const plain = await api.call("POST", "/api/v1/namespaces/default/pods/web/exec?command=ls");
  assert.equal(plain.status, 404, "allowed through to the pod REST (no such pod)");
});

/** An upgrade request through the API server; resolves with the status it got. */
function upgrade(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${api.server.url}${path}`, {
      method: "POST",
      headers: { connection: "Upgrade", upgrade: "test" },
    });
    req.once("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", reject);
    req.end();
  });
}

test("handlers connect with the options as a mutating webhook left them", async () => {
  const kubelet = await startFakeKubelet();
  try {
    let r = await api.call("POST", "/api/v1/nodes", { metadata: { name: "n1" } });
    assert.equal(r.status, 201, r.text);
    r = await api.call("PUT", "/api/v1/nodes/n1/status", {
      ...r.body,
      status: {
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
      },
    });
    assert.equal(r.status, 200, r.text);
    r = await api.call("POST", "/api/v1/namespaces/default/pods", {
      metadata: { name: "two" },
      spec: {
        nodeName: "n1",
        containers: [
          { name: "c1", image: "i" },
          { name: "c2", image: "i" },
        ],
      },
    });
    assert.equal(r.status, 201, r.text);
    await configure("Mutating", "connect-mutator", [
      {
        name: "mutate.k8ts.test",
        clientConfig: { url: `${hooks.url}/mutate-connect`, caBundle: hooks.caBundle },
        rules: [
          {
            operations: ["CONNECT"],
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["pods/exec", "pods/attach", "pods/portforward", "nodes/proxy"],
          },
        ],
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
      },
    ]);
    // exec of `rm` would be denied by the validating webhook: the mutated command is what it sees.
    const execPath = "/api/v1/namespaces/default/pods/two/exec?command=rm&container=c1&stdout=true";
    await eventually(async () => {
      const status = await upgrade(execPath);
      return status === 101 ? status : undefined;
    });
    assert.equal(kubelet.seen.at(-1), "/exec/default/two/c2?command=echo&command=mutated&output=1");
    const cases: [string, string][] = [
      [
        "/api/v1/namespaces/default/pods/two/portforward?ports=80",
        "/portForward/default/two?port=7070",
      ],
    ];
    for (const [path, want] of cases) {
      assert.equal(await upgrade(path), 101, path);
      assert.equal(kubelet.seen.at(-1), want, path);
    }
    r = await api.call("GET", "/api/v1/nodes/n1/proxy/stats/summary?x=1");
    assert.equal(r.status, 200, r.text);
    assert.equal(kubelet.seen.at(-1), "/healthz?x=1");
    // A patch giving a field the wrong type fails as upstream's decode would; nothing is dialed.
    const before = kubelet.seen.length;
    assert.equal(
      await upgrade("/api/v1/namespaces/default/pods/two/attach?container=c1&stdout=true"),
      500,
    );
    assert.equal(kubelet.seen.length, before);
    // CONNECT refuses dryRun and unparsable ports before admission.
    r = await api.call("POST", "/api/v1/namespaces/default/pods/two/exec?command=ls&dryRun=All");
    assert.deepEqual([r.status, r.body.message], [400, "dryRun is not supported"]);
    r = await api.call("POST", "/api/v1/namespaces/default/pods/two/portforward?ports=http");
    assert.deepEqual(
      [r.status, r.body.message],
      [400, 'strconv.ParseInt: parsing "http": invalid syntax'],
    );
  } finally {
    await kubelet.close();
  }
});

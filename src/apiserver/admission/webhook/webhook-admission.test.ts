import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline } from "../../pipeline.ts";
import { startTestServer, type TestServer } from "../../testing/test-server.ts";
import { extensibilityAdmission } from "./extensibility.ts";
import { patchResponse, startWebhookServer, type TestWebhookServer } from "./testing.ts";

type Rec = Record<string, unknown>;

let api: TestServer;
let hooks: TestWebhookServer;

before(async () => {
  hooks = await startWebhookServer(
    (request, path) => {
      const obj = (request.object ?? {}) as Rec;
      const labels = ((obj.metadata as Rec)?.labels ?? {}) as Record<string, string>;
      if (path === "/deny-unlabelled")
        return labels.team
          ? {
              allowed: true,
              warnings: [`team ${labels.team} noted`],
              auditAnnotations: { seen: "yes" },
            }
          : {
              allowed: false,
              warnings: ["no team label"],
              status: { code: 403, reason: "Forbidden", message: "pods need a team label" },
            };
      if (path === "/add-label")
        return patchResponse([{ op: "add", path: "/metadata/labels/injected", value: "true" }]);
      if (path === "/copy-label")
        return patchResponse([
          { op: "add", path: "/metadata/labels/copied", value: labels.injected ?? "none" },
        ]);
      if (path === "/hang") return "hang";
      return { allowed: true };
    },
    ["hooks.default.svc"],
  );
  const ext = extensibilityAdmission();
  const pipeline = defaultPipeline();
  pipeline.admission.push(...ext.plugins);
  // Admission waits for bind(), so the bootstrap (which startTestServer awaits) is off.
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

const rule = (resources: string[], operations = ["CREATE"]) => ({
  operations,
  apiGroups: [""],
  apiVersions: ["v1"],
  resources,
});

function webhook(name: string, path: string, extra: Rec = {}): Rec {
  return {
    name,
    clientConfig: { url: `${hooks.url}${path}`, caBundle: hooks.caBundle },
    rules: [rule(["configmaps"])],
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    ...extra,
  };
}

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

async function remove(kind: "Validating" | "Mutating", name: string) {
  const resource = `${kind.toLowerCase()}webhookconfigurations`;
  await api.call("DELETE", `/apis/admissionregistration.k8s.io/v1/${resource}/${name}`);
}

const configMap = (name: string, labels: Rec = {}, ns = "default") => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, labels },
});

/** Creates until `ok` accepts the reply (configuration changes reach the cache through a watch). */
async function createUntil(obj: Rec, ok: (status: number, body: Rec) => boolean, ns = "default") {
  let last = { status: 0, body: {} as Rec, headers: new Headers() };
  for (let i = 0; i < 100; i++) {
    const meta = obj.metadata as Rec;
    const r = await api.call("POST", `/api/v1/namespaces/${ns}/configmaps`, {
      ...obj,
      metadata: { ...meta, name: `${String(meta.name)}-${i}` },
    });
    last = { status: r.status, body: r.body as Rec, headers: r.headers };
    if (ok(r.status, r.body as Rec)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`never accepted: ${last.status} ${JSON.stringify(last.body)}`);
}

test("a validating webhook denies with upstream's message and allows with warnings", async () => {
  await configure("Validating", "deny", [webhook("deny.example.com", "/deny-unlabelled")]);
  const denied = await createUntil(configMap("plain"), (s) => s === 403);
  assert.equal(
    denied.body.message,
    'admission webhook "deny.example.com" denied the request: pods need a team label',
  );
  assert.equal(denied.body.reason, "Forbidden");
  assert.match(
    denied.headers.get("warning") ?? "",
    /no team label/,
    "warnings reach denied requests",
  );
  const ok = await createUntil(configMap("labelled", { team: "a" }), (s) => s === 201);
  assert.match(ok.headers.get("warning") ?? "", /team a noted/);
  await remove("Validating", "deny");
  await createUntil(configMap("free"), (s) => s === 201);
});

test("a mutating webhook's JSON patch is stored, and the request it saw is an AdmissionReview v1", async () => {
  await configure("Mutating", "label", [webhook("label.example.com", "/add-label")]);
  const created = await createUntil(
    configMap("m"),
    (_s, b) => !!((b.metadata as Rec)?.labels as Rec)?.injected,
  );
  assert.deepEqual((created.body.metadata as Rec).labels, { injected: "true" });
  const seen = hooks.requests.filter((r) => r.path === "/add-label").at(-1)!.request;
  assert.deepEqual(seen.kind, { group: "", version: "v1", kind: "ConfigMap" });
  assert.deepEqual(seen.resource, { group: "", version: "v1", resource: "configmaps" });
  assert.equal(seen.operation, "CREATE");
  assert.equal(seen.namespace, "default");
  assert.deepEqual(seen.options, { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" });
  await remove("Mutating", "label");
  await createUntil(
    configMap("n"),
    (s, b) => s === 201 && !((b.metadata as Rec)?.labels as Rec)?.injected,
  );
});

test("reinvocationPolicy IfNeeded calls a webhook again after a later one changed the object", async () => {
  const labelsOf = (b: Rec) => (b.metadata as Rec)?.labels as Rec | undefined;
  // [policy of the first webhook, its label on the stored object, times it was called]
  const cases: [string, string, number][] = [
    ["IfNeeded", "true", 2],
    ["Never", "none", 1],
  ];
  for (const [policy, copied, calls] of cases) {
    await configure("Mutating", `reinvoke-${policy.toLowerCase()}`, [
      webhook("copy.example.com", "/copy-label", { reinvocationPolicy: policy }),
      webhook("label.example.com", "/add-label"),
    ]);
    // Until this configuration alone is in the cache (the previous one's removal arrives by watch).
    const created = await createUntil(
      configMap(`re-${policy.toLowerCase()}`, { policy }),
      (s, b) =>
        s === 201 &&
        !!labelsOf(b)?.injected &&
        (policy === "Never" ? labelsOf(b)?.copied === "none" : !!labelsOf(b)?.copied),
    );
    assert.equal(labelsOf(created.body)?.copied, copied, policy);
    const name = (created.body.metadata as Rec).name;
    const seen = hooks.requests.filter(
      (r) =>
        r.path === "/copy-label" && ((r.request.object as Rec)?.metadata as Rec)?.name === name,
    );
    assert.equal(seen.length, calls, policy);
    await remove("Mutating", `reinvoke-${policy.toLowerCase()}`);
  }
});

test("a dry run calls webhooks with dryRun (and the request's fieldManager) in the options and stores nothing", async () => {
  await configure("Mutating", "dry", [
    webhook("dry.example.com", "/add-label", {
      objectSelector: { matchLabels: { probe: "dry" } },
    }),
  ]);
  let r = { status: 0, body: {} as Rec };
  for (let i = 0; i < 100; i++) {
    const res = await api.call(
      "POST",
      "/api/v1/namespaces/default/configmaps?dryRun=All&fieldManager=probe-manager",
      configMap("dry-run", { probe: "dry" }),
    );
    r = { status: res.status, body: res.body as Rec };
    if (((r.body.metadata as Rec)?.labels as Rec)?.injected) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(((r.body.metadata as Rec).labels as Rec).injected, "true");
  const seen = hooks.requests.filter((x) => x.path === "/add-label").at(-1)!.request;
  assert.equal(seen.dryRun, true);
  assert.deepEqual(seen.options, {
    kind: "CreateOptions",
    apiVersion: "meta.k8s.io/v1",
    dryRun: ["All"],
    fieldManager: "probe-manager",
  });
  const stored = await api.call("GET", "/api/v1/namespaces/default/configmaps/dry-run");
  assert.equal(stored.status, 404);
  await remove("Mutating", "dry");
});

test("failurePolicy decides what an unreachable webhook means", async () => {
  const down = { url: "https://127.0.0.1:1/x", caBundle: hooks.caBundle };
  await configure("Validating", "down-fail", [
    webhook("down.example.com", "/", {
      clientConfig: down,
      objectSelector: { matchLabels: { probe: "fail" } },
    }),
  ]);
  await configure("Validating", "down-ignore", [
    webhook("ignore.example.com", "/", {
      clientConfig: down,
      failurePolicy: "Ignore",
      objectSelector: { matchLabels: { probe: "ignore" } },
    }),
  ]);
  const failed = await createUntil(configMap("f", { probe: "fail" }), (s) => s === 500);
  assert.match(
    String(failed.body.message),
    /^Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https:\/\/127.0.0.1:1\/x\?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused$/,
  );
  await createUntil(configMap("i", { probe: "ignore" }), (s) => s === 201);
  await remove("Validating", "down-fail");
  await remove("Validating", "down-ignore");
});

test("namespaceSelector and matchConditions skip webhooks", async () => {
  await configure("Validating", "selective", [
    webhook("ns.example.com", "/deny-unlabelled", {
      namespaceSelector: { matchLabels: { guarded: "yes" } },
    }),
    webhook("cel.example.com", "/deny-unlabelled", {
      matchConditions: [{ name: "only-c", expression: "object.metadata.name.startsWith('c-')" }],
    }),
  ]);
  await api.call("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "guarded", labels: { guarded: "yes" } },
  });
  const denied = await createUntil(configMap("x", {}, "guarded"), (s) => s === 403, "guarded");
  assert.match(String(denied.body.message), /"ns.example.com" denied/);
  const celDenied = await createUntil(configMap("c-"), (s) => s === 403);
  assert.match(String(celDenied.body.message), /"cel.example.com" denied/);
  await createUntil(configMap("d-"), (s) => s === 201);
  await remove("Validating", "selective");
});

test("a service clientConfig reaches the webhook through the service's Endpoints", async () => {
  const svc = await api.call("POST", "/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "hooks", namespace: "default" },
    spec: { clusterIP: "None", ports: [{ name: "https", port: 443, targetPort: hooks.port }] },
  });
  assert.equal(svc.status, 201, svc.text);
  const eps = await api.call("POST", "/api/v1/namespaces/default/endpoints", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "hooks", namespace: "default" },
    subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "https", port: hooks.port }] }],
  });
  assert.equal(eps.status, 201, eps.text);
  await configure("Validating", "via-service", [
    webhook("svc.example.com", "/", {
      clientConfig: {
        service: { namespace: "default", name: "hooks", path: "/deny-unlabelled" },
        caBundle: hooks.caBundle,
      },
    }),
  ]);
  const denied = await createUntil(configMap("s"), (s) => s === 403);
  assert.match(String(denied.body.message), /"svc.example.com" denied/);
  await remove("Validating", "via-service");
});

test("webhooks are never called for webhook configurations", async () => {
  await configure("Validating", "everything", [
    webhook("all.example.com", "/deny-unlabelled", {
      rules: [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*/*"] }],
    }),
  ]);
  await createUntil(configMap("blocked"), (s) => s === 403);
  await remove("Validating", "everything");
  const list = await api.call(
    "GET",
    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
  );
  assert.equal((list.body.items as unknown[]).length, 0);
});

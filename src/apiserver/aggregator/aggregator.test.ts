import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline } from "../pipeline.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { Aggregator } from "./aggregator.ts";
import { startExtensionServer, type TestExtensionServer } from "./testing.ts";

type Rec = Record<string, unknown>;
let api: TestServer;
let ext: TestExtensionServer;

before(async () => {
  ext = await startExtensionServer({
    group: "demo.k8ts.test",
    version: "v1",
    service: "demo-api",
    namespace: "default",
  });
  const aggregator = new Aggregator();
  const pipeline = defaultPipeline();
  pipeline.filters.push(aggregator.filter());
  api = await startTestServer({ pipeline });
  await aggregator.start(api.server.context);
});

after(async () => {
  await api.close();
  await ext.close();
});

async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error("condition never held");
}

test("local APIServices exist for built-in group versions and are Available (Local)", async () => {
  const r = await api.call("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1.apps");
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.spec.service, undefined);
  assert.deepEqual(
    (r.body.status.conditions as Rec[]).map((c) => [c.type, c.status, c.reason]),
    [["Available", "True", "Local"]],
  );
  const core = await api.call("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1.");
  assert.equal(core.status, 200);
});

test("an APIService backed by a service is proxied, marked Available and merged into discovery", async () => {
  for (const [path, obj] of [
    [
      "/api/v1/namespaces/default/services",
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "demo-api" },
        spec: { clusterIP: "None", ports: [{ port: 443, targetPort: ext.port }] },
      },
    ],
    [
      "/api/v1/namespaces/default/endpoints",
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: "demo-api" },
        subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ port: ext.port }] }],
      },
    ],
    [
      "/apis/apiregistration.k8s.io/v1/apiservices",
      {
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name: "v1.demo.k8ts.test" },
        spec: {
          group: "demo.k8ts.test",
          version: "v1",
          groupPriorityMinimum: 1000,
          versionPriority: 15,
          caBundle: ext.caBundle,
          service: { namespace: "default", name: "demo-api" },
        },
      },
    ],
  ] as const) {
    const r = await api.call("POST", path, obj);
    assert.equal(r.status, 201, r.text);
  }
  const available = await eventually(async () => {
    const r = await api.call(
      "GET",
      "/apis/apiregistration.k8s.io/v1/apiservices/v1.demo.k8ts.test",
    );
    const c = ((r.body.status?.conditions ?? []) as Rec[])[0];
    return c?.status === "True" ? c : undefined;
  });
  assert.equal(available.reason, "Passed");
  const list = await api.call("GET", "/apis/demo.k8ts.test/v1/namespaces/default/widgets");
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.kind, "WidgetList");
  assert.ok(
    ext.users.includes("system:anonymous") || ext.users.some((u) => u !== "system:kube-aggregator"),
  );
  const groups = await api.call("GET", "/apis");
  assert.ok((groups.body.groups as Rec[]).some((g) => g.name === "demo.k8ts.test"));
  const aggregated = await api.call("GET", "/apis", undefined, {
    Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  });
  const item = (aggregated.body.items as Rec[]).find(
    (i) => (i.metadata as Rec).name === "demo.k8ts.test",
  );
  assert.deepEqual(
    ((item?.versions as Rec[])[0].resources as Rec[]).map((r) => r.resource),
    ["widgets"],
  );
  const group = await api.call("GET", "/apis/demo.k8ts.test");
  assert.equal(group.body.preferredVersion.groupVersion, "demo.k8ts.test/v1");
});

test("an APIService whose service is missing is unavailable and answers 503", async () => {
  const r = await api.call("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1.missing.k8ts.test" },
    spec: {
      group: "missing.k8ts.test",
      version: "v1",
      groupPriorityMinimum: 1000,
      versionPriority: 15,
      insecureSkipTLSVerify: true,
      service: { namespace: "default", name: "nope" },
    },
  });
  assert.equal(r.status, 201, r.text);
  const cond = await eventually(async () => {
    const g = await api.call(
      "GET",
      "/apis/apiregistration.k8s.io/v1/apiservices/v1.missing.k8ts.test",
    );
    return ((g.body.status?.conditions ?? []) as Rec[])[0];
  });
  assert.deepEqual([cond.status, cond.reason], ["False", "ServiceNotFound"]);
  const proxied = await api.call("GET", "/apis/missing.k8ts.test/v1/things");
  assert.equal(proxied.status, 503);
});

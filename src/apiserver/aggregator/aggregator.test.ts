import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline } from "../pipeline.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";
import { Aggregator } from "./aggregator.ts";
import { WebSocket } from "ws";
import { issueCertificate, type CertKeyPair } from "../../pki/self-signed.ts";
import { DEFAULT_REQUEST_HEADERS } from "../../auth/authenticators/request-header.ts";
import { startExtensionServer, type TestExtensionServer } from "./testing.ts";

type Rec = Record<string, unknown>;
let api: TestServer;
let ext: TestExtensionServer;
let frontProxyCa: CertKeyPair;

before(async () => {
  frontProxyCa = await issueCertificate({ commonName: "front-proxy-ca", usage: "ca" });
  const proxyClient = await issueCertificate({
    commonName: "front-proxy-client",
    usage: "client",
    signer: frontProxyCa,
  });
  ext = await startExtensionServer({
    group: "demo.k8ts.test",
    version: "v1",
    service: "demo-api",
    namespace: "default",
    frontProxyCaPem: frontProxyCa.certPem,
  });
  const aggregator = new Aggregator({
    proxyClient,
    authenticationInfo: {
      clientCaPem: "client-ca-pem",
      requestHeader: { clientCaPem: frontProxyCa.certPem, ...DEFAULT_REQUEST_HEADERS },
    },
  });
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

test("proxied requests carry the front-proxy client certificate and the user in X-Remote-* headers", async () => {
  await eventually(async () => {
    const r = await api.call("GET", "/apis/demo.k8ts.test/v1/namespaces/default/widgets");
    return r.status === 200 ? r : undefined;
  });
  const list = ext.requests.filter((r) => r.path.endsWith("/widgets"));
  assert.ok(list.length > 0);
  for (const r of list) assert.equal(r.clientCN, "front-proxy-client");
  const check = ext.requests.find((r) => r.path === "/apis/demo.k8ts.test/v1");
  assert.deepEqual(
    [check?.clientCN, check?.user, check?.groups],
    ["front-proxy-client", "system:kube-aggregator", ["system:masters"]],
  );
});

test("OpenAPI v2 and v3 include the aggregated group version", async () => {
  const v3 = await eventually(async () => {
    const r = await api.call("GET", "/openapi/v3");
    return r.body?.paths?.["apis/demo.k8ts.test/v1"] ? r : undefined;
  });
  assert.ok(v3.body.paths["api/v1"], "built-in group versions stay listed");
  const url = String(v3.body.paths["apis/demo.k8ts.test/v1"].serverRelativeURL);
  assert.match(url, /^\/openapi\/v3\/apis\/demo\.k8ts\.test\/v1\?hash=[0-9A-F]{128}$/);
  const doc = await api.call("GET", url);
  assert.equal(doc.status, 200);
  assert.equal(doc.headers.get("cache-control"), "public, immutable");
  assert.ok(doc.body.components.schemas["io.k8ts.test.Widget"]);
  const stale = await fetch(`${api.server.url}/openapi/v3/apis/demo.k8ts.test/v1?hash=OLD`, {
    redirect: "manual",
  });
  assert.equal(stale.status, 301);
  assert.equal(stale.headers.get("location"), url);
  const v2 = await api.call("GET", "/openapi/v2");
  assert.equal(v2.status, 200);
  assert.ok(v2.body.definitions["io.k8ts.test.Widget"]);
  assert.ok(v2.body.definitions["io.k8s.api.core.v1.Pod"], "own definitions kept");
  assert.ok(v2.body.paths["/apis/demo.k8ts.test/v1/namespaces/{namespace}/widgets/{name}"]);
  const again = await api.call("GET", "/openapi/v2", undefined, {
    "If-None-Match": String(v2.headers.get("etag")),
  });
  assert.equal(again.status, 304);
  const proto = await fetch(`${api.server.url}/openapi/v2`, {
    headers: { Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" },
  });
  assert.equal(proto.status, 200);
  const bytes = Buffer.from(await proto.arrayBuffer());
  assert.ok(bytes.includes(Buffer.from("io.k8ts.test.Widget")));
});

test("upgrade requests (WebSocket) are relayed to the extension server", async () => {
  const url = `${api.server.url.replace(/^http/, "ws")}/apis/demo.k8ts.test/v1/namespaces/default/widgets/w1/echo`;
  const ws = new WebSocket(url);
  const reply = await new Promise<string>((resolve, reject) => {
    ws.once("open", () => ws.send("ping through the aggregator"));
    ws.once("message", (data) => resolve(String(data)));
    ws.once("error", reject);
  });
  ws.close();
  assert.equal(reply, "ping through the aggregator");
  const upgrade = ext.requests.find((r) => r.path.endsWith("/echo"));
  assert.equal(upgrade?.clientCN, "front-proxy-client");
});

test("the extension-apiserver-authentication ConfigMap and its reader Role are published", async () => {
  const cm = await eventually(async () => {
    const r = await api.call(
      "GET",
      "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication",
    );
    return r.status === 200 ? r.body : undefined;
  });
  assert.deepEqual(cm.data, {
    "client-ca-file": "client-ca-pem",
    "requestheader-client-ca-file": frontProxyCa.certPem,
    "requestheader-allowed-names": '["front-proxy-client"]',
    "requestheader-username-headers": '["X-Remote-User"]',
    "requestheader-group-headers": '["X-Remote-Group"]',
    "requestheader-extra-headers-prefix": '["X-Remote-Extra-"]',
  });
  const role = await api.call(
    "GET",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader",
  );
  assert.equal(role.status, 200, role.text);
  assert.deepEqual(role.body.rules[0].resourceNames, ["extension-apiserver-authentication"]);
});

test("a group's resource requests are served locally again once its remote APIService is gone", async () => {
  const created = await api.call("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1.gone.k8ts.test" },
    spec: {
      group: "gone.k8ts.test",
      version: "v1",
      groupPriorityMinimum: 1000,
      versionPriority: 15,
      insecureSkipTLSVerify: true,
      service: { namespace: "default", name: "nope" },
    },
  });
  assert.equal(created.status, 201, created.text);
  // Unavailable (no such service): the aggregator answers 503 for its resources.
  await eventually(async () => {
    const r = await api.call("GET", "/apis/gone.k8ts.test/v1/things");
    return r.status === 503 ? r : undefined;
  });
  const deleted = await api.call(
    "DELETE",
    "/apis/apiregistration.k8s.io/v1/apiservices/v1.gone.k8ts.test",
  );
  assert.equal(deleted.status, 200, deleted.text);
  // No APIService serves the group any more: the local server's 404.
  const local = await eventually(async () => {
    const r = await api.call("GET", "/apis/gone.k8ts.test/v1/things");
    return r.status === 404 ? r : undefined;
  });
  assert.equal(local.body.reason, "NotFound");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { configMap, useTestServer } from "./testing/test-server.ts";

const t = useTestServer();

const cm = configMap;

test("version, health and discovery", async () => {
  const v = await t.call("GET", "/version");
  assert.equal(v.body.major, "1");
  assert.equal(v.body.minor, "32");
  assert.match(v.body.gitVersion, /^v1\.32\./);
  const ready = await t.call("GET", "/readyz?verbose");
  assert.equal(ready.status, 200);
  assert.match(ready.text, /^\[\+\]ping ok$/m);
  assert.match(ready.text, /readyz check passed\n$/);
  assert.equal((await t.call("GET", "/livez")).text, "ok");
  const api = await t.call("GET", "/api");
  assert.deepEqual(api.body.versions, ["v1"]);
  const v1 = await t.call("GET", "/api/v1");
  const names = v1.body.resources.map((r: { name: string }) => r.name);
  assert.ok(
    names.includes("pods/eviction") &&
      names.includes("pods/status") &&
      names.includes("configmaps"),
  );
  const eviction = v1.body.resources.find((r: { name: string }) => r.name === "pods/eviction");
  assert.deepEqual([eviction.group, eviction.version, eviction.kind], ["policy", "v1", "Eviction"]);
  const apis = await t.call("GET", "/apis");
  const apps = apis.body.groups.find((g: { name: string }) => g.name === "apps");
  assert.equal(apps.preferredVersion.groupVersion, "apps/v1");
  const scale = (await t.call("GET", "/apis/apps/v1")).body.resources.find(
    (r: { name: string }) => r.name === "deployments/scale",
  );
  assert.equal(scale.group, "autoscaling");
});

test("system namespaces exist, each with its default service account", async () => {
  const list = await t.call("GET", "/api/v1/namespaces");
  const names = list.body.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort();
  assert.deepEqual(names, ["default", "kube-node-lease", "kube-public", "kube-system"]);
  const accounts = await t.call("GET", "/api/v1/serviceaccounts");
  const keys = accounts.body.items
    .map((a: { metadata: { namespace: string; name: string } }) => a.metadata)
    .map((m: { namespace: string; name: string }) => `${m.namespace}/${m.name}`)
    .sort();
  assert.deepEqual(
    keys,
    names.map((n: string) => `${n}/default`),
  );
});

test("create, get, update with resourceVersion CAS, delete", async () => {
  const created = await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("a"));
  assert.equal(created.status, 201);
  assert.ok(created.body.metadata.uid);
  assert.equal(created.body.metadata.creationTimestamp, "2026-01-01T00:00:00Z");
  const rv = created.body.metadata.resourceVersion;
  assert.match(rv, /^\d+$/);

  const dup = await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("a"));
  assert.equal(dup.status, 409);
  assert.equal(dup.body.reason, "AlreadyExists");
  assert.equal(dup.body.message, 'configmaps "a" already exists');

  const updated = await t.call("PUT", "/api/v1/namespaces/default/configmaps/a", {
    ...cm("a", { resourceVersion: rv }),
    data: { k: "w" },
  });
  assert.equal(updated.status, 200);
  assert.notEqual(updated.body.metadata.resourceVersion, rv);
  assert.equal(updated.body.metadata.uid, created.body.metadata.uid);

  const stale = await t.call(
    "PUT",
    "/api/v1/namespaces/default/configmaps/a",
    cm("a", { resourceVersion: rv }),
  );
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, "Conflict");
  assert.match(
    stale.body.message,
    /the object has been modified; please apply your changes to the latest version and try again/,
  );

  const got = await t.call("GET", "/api/v1/namespaces/default/configmaps/a");
  assert.equal(got.body.data.k, "w");

  const del = await t.call("DELETE", "/api/v1/namespaces/default/configmaps/a");
  assert.equal(del.status, 200);
  assert.equal(del.body.status, "Success");
  const gone = await t.call("GET", "/api/v1/namespaces/default/configmaps/a");
  assert.equal(gone.status, 404);
  assert.equal(gone.body.message, 'configmaps "a" not found');
});

test("generateName, dryRun and name/namespace mismatches", async () => {
  const gen = await t.call("POST", "/api/v1/namespaces/default/configmaps", {
    ...cm(""),
    metadata: { generateName: "gen-" },
  });
  assert.equal(gen.status, 201);
  assert.match(gen.body.metadata.name, /^gen-[a-z0-9]{5}$/);
  const dry = await t.call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", cm("dry"));
  assert.equal(dry.status, 201);
  assert.equal((await t.call("GET", "/api/v1/namespaces/default/configmaps/dry")).status, 404);
  const badDry = await t.call(
    "POST",
    "/api/v1/namespaces/default/configmaps?dryRun=Some",
    cm("dry"),
  );
  assert.equal(badDry.status, 400);
  const wrongNs = await t.call(
    "POST",
    "/api/v1/namespaces/default/configmaps",
    cm("x", { namespace: "other" }),
  );
  assert.equal(wrongNs.status, 400);
  assert.match(wrongNs.body.message, /namespace of the provided object does not match/);
  await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("named"));
  const wrongName = await t.call("PUT", "/api/v1/namespaces/default/configmaps/named", cm("other"));
  assert.equal(wrongName.status, 400);
  assert.equal(
    wrongName.body.message,
    "the name of the object (other) does not match the name on the URL (named)",
  );
  const wrongKind = await t.call("POST", "/api/v1/namespaces/default/configmaps", {
    ...cm("k"),
    kind: "Secret",
  });
  assert.equal(wrongKind.status, 400);
});

test("error classes for bad requests", async () => {
  const cases: {
    method: string;
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
    status: number;
    reason: string;
  }[] = [
    { method: "GET", path: "/api/v1/nonsense", status: 404, reason: "NotFound" },
    { method: "GET", path: "/apis/nope/v1", status: 404, reason: "NotFound" },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: "{not json",
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: "[]",
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: "a: [",
      headers: { "Content-Type": "application/yaml" },
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: "x",
      headers: { "Content-Type": "text/plain" },
      status: 415,
      reason: "UnsupportedMediaType",
    },
    {
      method: "PATCH",
      path: "/api/v1/namespaces/default/configmaps/x",
      body: "{}",
      headers: { "Content-Type": "application/json" },
      status: 415,
      reason: "UnsupportedMediaType",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: "x".repeat(3 * 1024 * 1024 + 1),
      status: 413,
      reason: "RequestEntityTooLarge",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/missing/configmaps",
      body: cm("z"),
      status: 404,
      reason: "NotFound",
    },
    {
      method: "PUT",
      path: "/api/v1/componentstatuses/x",
      body: {},
      status: 405,
      reason: "MethodNotAllowed",
    },
    {
      method: "GET",
      path: "/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(",
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "GET",
      path: "/api/v1/namespaces/default/configmaps?fieldSelector=spec.bogus=1",
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "GET",
      path: "/api/v1/namespaces/default/configmaps?limit=abc",
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "GET",
      path: "/api/v1/namespaces/default/configmaps?continue=garbage",
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: "[".repeat(5000) + "]".repeat(5000),
      status: 400,
      reason: "BadRequest",
    },
    {
      method: "POST",
      path: "/api/v1/namespaces/default/configmaps",
      body: { ...cm("bad/name") },
      status: 422,
      reason: "Invalid",
    },
    {
      method: "GET",
      path: "/api/v1/namespaces/default/configmaps",
      headers: { Accept: "application/vnd.kubernetes.protobuf" },
      status: 406,
      reason: "NotAcceptable",
    },
  ];
  for (const c of cases) {
    const r = await t.call(c.method, c.path, c.body, c.headers);
    assert.equal(r.status, c.status, `${c.method} ${c.path}: ${r.text.slice(0, 200)}`);
    assert.equal(r.body?.kind, "Status", `${c.method} ${c.path}`);
    assert.equal(r.body.reason, c.reason, `${c.method} ${c.path}`);
  }
});

test("lists: selectors, pagination, tables and metadata-only", async () => {
  for (let i = 0; i < 5; i++) {
    await t.call(
      "POST",
      "/api/v1/namespaces/kube-public/configmaps",
      cm(`p${i}`, { labels: { idx: String(i % 2) } }),
    );
  }
  const sel = await t.call(
    "GET",
    "/api/v1/namespaces/kube-public/configmaps?labelSelector=idx%3D1",
  );
  assert.deepEqual(
    sel.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ["p1", "p3"],
  );
  assert.equal(sel.body.kind, "ConfigMapList");
  assert.equal(sel.body.items[0].kind, undefined);
  const byName = await t.call(
    "GET",
    "/api/v1/namespaces/kube-public/configmaps?fieldSelector=metadata.name%3Dp2",
  );
  assert.deepEqual(
    byName.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ["p2"],
  );

  const page1 = await t.call("GET", "/api/v1/namespaces/kube-public/configmaps?limit=2");
  assert.equal(page1.body.items.length, 2);
  assert.equal(page1.body.metadata.remainingItemCount, 3);
  const token = page1.body.metadata.continue;
  assert.ok(token);
  const page2 = await t.call(
    "GET",
    `/api/v1/namespaces/kube-public/configmaps?limit=2&continue=${encodeURIComponent(token)}`,
  );
  assert.deepEqual(
    page2.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ["p2", "p3"],
  );
  // A continue page is read from storage, which counts the rest only when asked.
  assert.equal(page2.body.metadata.remainingItemCount, 1);
  assert.equal(page2.body.metadata.resourceVersion, page1.body.metadata.resourceVersion);
  const filtered = await t.call(
    "GET",
    "/api/v1/namespaces/kube-public/configmaps?limit=1&labelSelector=idx%3D0",
  );
  assert.deepEqual(
    filtered.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ["p0"],
  );
  assert.ok(filtered.body.metadata.continue);

  const table = await t.call("GET", "/api/v1/namespaces/kube-public/configmaps", undefined, {
    Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
  });
  assert.equal(table.body.kind, "Table");
  assert.deepEqual(table.body.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 2), [
    "Name",
    "Data",
  ]);
  assert.equal(table.body.rows.length, 5);
  assert.equal(table.body.rows[0].object.kind, "PartialObjectMetadata");
  const one = await t.call("GET", "/api/v1/namespaces/kube-public/configmaps/p0", undefined, {
    Accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
  });
  assert.equal(one.body.rows.length, 1);
  const pom = await t.call("GET", "/api/v1/namespaces/kube-public/configmaps", undefined, {
    Accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
  });
  assert.equal(pom.body.kind, "PartialObjectMetadataList");
  assert.equal(pom.body.items[0].data, undefined);

  const all = await t.call("GET", "/api/v1/configmaps?labelSelector=idx");
  assert.equal(all.body.items.length, 5);
  const dc = await t.call(
    "DELETE",
    "/api/v1/namespaces/kube-public/configmaps?labelSelector=idx%3D0",
  );
  assert.equal(dc.status, 200);
  assert.equal(dc.body.items.length, 3);
  const left = await t.call("GET", "/api/v1/namespaces/kube-public/configmaps");
  assert.equal(left.body.items.length, 2);
});

test("patches of every type", async () => {
  await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("pt"));
  const json = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/pt",
    [{ op: "add", path: "/data/j", value: "1" }],
    {
      "Content-Type": "application/json-patch+json",
    },
  );
  assert.equal(json.status, 200, json.text);
  const merge = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/pt",
    { data: { m: "2", k: null } },
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.deepEqual(merge.body.data, { j: "1", m: "2" });
  const smp = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/pt",
    { metadata: { labels: { s: "3" } } },
    {
      "Content-Type": "application/strategic-merge-patch+json",
    },
  );
  assert.equal(smp.body.metadata.labels.s, "3");
  const noManager = await t.call("PATCH", "/api/v1/namespaces/default/configmaps/applied", "{}", {
    "Content-Type": "application/apply-patch+yaml",
  });
  assert.equal(noManager.status, 422);
  const apply = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/applied?fieldManager=test",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: b\n",
    { "Content-Type": "application/apply-patch+yaml" },
  );
  assert.equal(apply.status, 201, apply.text);
  const stale = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/pt",
    { metadata: { resourceVersion: "1" } },
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.equal(stale.status, 409);
  const missing = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/none",
    {},
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.equal(missing.status, 404);
});

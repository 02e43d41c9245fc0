import { test } from "node:test";
import assert from "node:assert/strict";
import {
  configMap,
  moveRevision,
  useTestServer,
  withStoreUpdateHook,
} from "./testing/test-server.ts";
import { eventually } from "../../test/e2e/harness.ts";
import { keyPrefix, objectKey } from "./storage-keys.ts";
import { currentFromCache } from "./watch-cache-reader.ts";

const t = useTestServer();

const cm = configMap;

test("finalizers keep a deleted object until removed", async () => {
  await t.call(
    "POST",
    "/api/v1/namespaces/default/configmaps",
    cm("fin", { finalizers: ["example.com/hold"] }),
  );
  const del = await t.call("DELETE", "/api/v1/namespaces/default/configmaps/fin");
  assert.equal(del.status, 202);
  assert.ok(del.body.metadata.deletionTimestamp);
  const still = await t.call("GET", "/api/v1/namespaces/default/configmaps/fin");
  assert.equal(still.status, 200);
  const cleared = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/fin",
    { metadata: { finalizers: null } },
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal((await t.call("GET", "/api/v1/namespaces/default/configmaps/fin")).status, 404);
});

test("delete preconditions and terminating namespaces", async () => {
  await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("pre"));
  const bad = await t.call("DELETE", "/api/v1/namespaces/default/configmaps/pre", {
    preconditions: { uid: "nope" },
  });
  assert.equal(bad.status, 409);
  assert.match(bad.body.message, /Precondition failed: UID in precondition: nope/);
  const protectedNs = await t.call("DELETE", "/api/v1/namespaces/default");
  assert.equal(protectedNs.status, 403);

  await t.call("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "doomed" },
    spec: { finalizers: ["kubernetes"] },
  });
  const nsDel = await t.call("DELETE", "/api/v1/namespaces/doomed");
  assert.equal(nsDel.status, 202);
  assert.equal(nsDel.body.status.phase, "Terminating");
  const refused = await t.call("POST", "/api/v1/namespaces/doomed/configmaps", cm("late"));
  assert.equal(refused.status, 403);
  assert.equal(
    refused.body.message,
    'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
  );
  const ns = (await t.call("GET", "/api/v1/namespaces/doomed")).body;
  const fin = await t.call("PUT", "/api/v1/namespaces/doomed/finalize", {
    ...ns,
    spec: { finalizers: [] },
  });
  assert.equal(fin.status, 200, fin.text);
  assert.deepEqual(fin.body.spec.finalizers, []);
  // With no finalizers left the terminating namespace is removed.
  assert.equal((await t.call("GET", "/api/v1/namespaces/doomed")).status, 404);
});

test("metrics count requests by verb and resource", async () => {
  await t.call("GET", "/api/v1/namespaces/default/configmaps");
  const m = await t.call("GET", "/metrics");
  assert.equal(m.status, 200);
  assert.match(
    m.text,
    /apiserver_request_total\{[^}]*verb="LIST"[^}]*resource="configmaps"[^}]*code="200"\} \d+/,
  );
  assert.match(m.text, /apiserver_request_duration_seconds_bucket/);
});

test("managed fields and server-side apply conflicts", async () => {
  const created = await t.call(
    "POST",
    "/api/v1/namespaces/default/configmaps?fieldManager=creator",
    cm("mf"),
  );
  assert.equal(created.body.metadata.managedFields[0].manager, "creator");
  assert.equal(created.body.metadata.managedFields[0].operation, "Update");
  const body = (v: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "${v}"\n`;
  const yaml = { "Content-Type": "application/apply-patch+yaml" };
  const first = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/ssa?fieldManager=alice",
    body("1"),
    yaml,
  );
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body.metadata.managedFields[0].operation, "Apply");
  const clash = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/ssa?fieldManager=bob",
    body("2"),
    yaml,
  );
  assert.equal(clash.status, 409, clash.text);
  assert.equal(clash.body.reason, "Conflict");
  assert.match(clash.body.message, /conflict with "alice"/);
  const forced = await t.call(
    "PATCH",
    "/api/v1/namespaces/default/configmaps/ssa?fieldManager=bob&force=true",
    body("2"),
    yaml,
  );
  assert.equal(forced.status, 200, forced.text);
  assert.equal(forced.body.data.a, "2");
});

test("an apply configuration of another kind or version is 400 'invalid object type' first", async () => {
  const yaml = { "Content-Type": "application/apply-patch+yaml" };
  const apply = (path: string, config: Record<string, unknown>, query = "") =>
    t.call("PATCH", `${path}?fieldManager=m${query}`, JSON.stringify(config), yaml);
  const path = "/api/v1/namespaces/default/configmaps/wrong-type";
  const cases: [Record<string, unknown>, string][] = [
    [{ apiVersion: "v2", kind: "ConfigMap" }, "/v2, Kind=ConfigMap"],
    [{ apiVersion: "apps/v1", kind: "ConfigMap" }, "apps/v1, Kind=ConfigMap"],
    [{ apiVersion: "v1", kind: "Secret" }, "/v1, Kind=Secret"],
    [{ kind: "ConfigMap" }, "/, Kind=ConfigMap"],
    [{ apiVersion: "v1" }, "/v1, Kind="],
    [{ apiVersion: "a/b/c", kind: "ConfigMap" }, "/, Kind=ConfigMap"],
    // Before the typed conversion that an unknown field fails.
    [{ apiVersion: "v2", kind: "ConfigMap", extra: 1 }, "/v2, Kind=ConfigMap"],
  ];
  const answer = async (config: Record<string, unknown>) => {
    const res = await apply(path, { ...config, metadata: { name: "wrong-type" } });
    return `${res.status} ${res.body.reason} ${res.body.message}`;
  };
  for (const [config, named] of cases) {
    assert.equal(await answer(config), `400 BadRequest invalid object type: ${named}`);
  }
  assert.equal((await t.call("GET", path)).status, 404, "nothing created");
  const made = await apply(path, { ...cm("wrong-type"), data: { a: "1" } });
  assert.equal(made.status, 201, made.text);
  for (const [config, named] of cases) {
    assert.equal(await answer(config), `400 BadRequest invalid object type: ${named}`);
  }
  assert.equal((await t.call("GET", path)).body.data.a, "1");
  // The scale subresource's configurations are autoscaling/v1 Scales.
  const deployments = "/apis/apps/v1/namespaces/default/deployments";
  const labels = { app: "wrong-type" };
  const deployment = await t.call("POST", deployments, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "wrong-type" },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    },
  });
  assert.equal(deployment.status, 201, deployment.text);
  const scale = `${deployments}/wrong-type/scale`;
  const wrong = await apply(scale, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "wrong-type" },
    spec: { replicas: 3 },
  });
  assert.equal(wrong.status, 400, wrong.text);
  assert.equal(wrong.body.message, "invalid object type: apps/v1, Kind=Deployment");
  // (force: the creator owns the defaulted replicas)
  const right = await apply(
    scale,
    {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "wrong-type" },
      spec: { replicas: 3 },
    },
    "&force=true",
  );
  assert.equal(right.status, 200, right.text);
  assert.equal(right.body.spec.replicas, 3);
});

test("aggregated discovery v2 when asked for it", async () => {
  const accept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  const apis = await t.call("GET", "/apis", undefined, { Accept: accept });
  assert.equal(
    apis.headers.get("content-type"),
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  );
  const autoscaling = apis.body.items.find(
    (i: { metadata: { name?: string } }) => i.metadata.name === "autoscaling",
  );
  assert.deepEqual(
    autoscaling.versions.map((v: { version: string }) => v.version),
    ["v2", "v1"],
  );
  const apps = apis.body.items.find(
    (i: { metadata: { name?: string } }) => i.metadata.name === "apps",
  );
  const deployments = apps.versions[0].resources.find(
    (r: { resource: string }) => r.resource === "deployments",
  );
  assert.equal(deployments.scope, "Namespaced");
  const scale = deployments.subresources.find(
    (s: { subresource: string }) => s.subresource === "scale",
  );
  assert.deepEqual(scale.responseKind, { group: "autoscaling", version: "v1", kind: "Scale" });
  const core = await t.call("GET", "/api", undefined, { Accept: accept });
  assert.equal(core.body.items.length, 1);
  assert.ok(
    core.body.items[0].versions[0].resources.some(
      (r: { resource: string }) => r.resource === "pods",
    ),
  );
  const legacy = await t.call("GET", "/apis", undefined, { Accept: "application/json" });
  assert.equal(legacy.body.kind, "APIGroupList");
});

test("wrongly typed values are 400 on create and 422 on patch; PUT on a collection is 405", async () => {
  const bad = await t.call("POST", "/api/v1/namespaces/default/configmaps", {
    ...cm("typed"),
    data: "not-a-map",
  });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.message, /cannot unmarshal string into Go struct field/);
  await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("typed"));
  const cases: [string, unknown, RegExp][] = [
    [
      "application/strategic-merge-patch+json",
      { data: "x" },
      /^ "" is invalid: patch: Invalid value: "map\[data:x\]": cannot restore map from string$/,
    ],
    [
      "application/merge-patch+json",
      { data: 5 },
      /^ "" is invalid: patch: Invalid value: "\{.*\\"data\\":5.*\}": json: cannot unmarshal number into Go struct field ConfigMap.data of type map\[string\]string$/,
    ],
    [
      "application/json-patch+json",
      [{ op: "replace", path: "/data", value: ["x"] }],
      /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal array into Go struct field ConfigMap.data of type map\[string\]string$/,
    ],
  ];
  for (const [contentType, body, message] of cases) {
    const patch = await t.call("PATCH", "/api/v1/namespaces/default/configmaps/typed", body, {
      "Content-Type": contentType,
    });
    assert.equal(patch.status, 422, patch.text);
    assert.equal(patch.body.reason, "Invalid");
    assert.match(patch.body.message, message);
    assert.equal(patch.body.details.causes[0].field, "patch");
  }
  assert.equal(
    (await t.call("GET", "/api/v1/namespaces/default/configmaps/typed")).body.data.k,
    "v",
  );
  const put = await t.call("PUT", "/api/v1/namespaces/default/configmaps", cm("typed"));
  assert.equal(put.status, 405);
});

test("PUT of an absent object creates it only where upstream's strategy allows create on update", async () => {
  const cases: [string, Record<string, unknown>, number][] = [
    [
      "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/put-made",
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", rules: [] },
      201,
    ],
    [
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/put-made",
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", rules: [] },
      201,
    ],
    [
      "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/put-made",
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "put-made" },
      },
      201,
    ],
    [
      "/apis/node.k8s.io/v1/runtimeclasses/put-made",
      { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", handler: "runc" },
      201,
    ],
    [
      "/api/v1/namespaces/default/replicationcontrollers/put-made",
      {
        apiVersion: "v1",
        kind: "ReplicationController",
        spec: {
          selector: { a: "b" },
          template: {
            metadata: { labels: { a: "b" } },
            spec: { containers: [{ name: "c", image: "busybox" }] },
          },
        },
      },
      404,
    ],
    [
      "/api/v1/namespaces/default/services/put-made",
      { apiVersion: "v1", kind: "Service", spec: { type: "NodePort", ports: [{ port: 80 }] } },
      201,
    ],
    [
      "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/put-made",
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        addressType: "IPv4",
        endpoints: [],
      },
      404,
    ],
    [
      "/api/v1/namespaces/default/configmaps/put-made",
      { apiVersion: "v1", kind: "ConfigMap" },
      404,
    ],
  ];
  for (const [path, body, status] of cases) {
    const r = await t.call("PUT", path, { ...body, metadata: { name: "put-made" } });
    assert.equal(r.status, status, `${path}: ${r.text}`);
  }
  // A Service made by PUT is allocated as one made by POST.
  const svc = (await t.call("GET", "/api/v1/namespaces/default/services/put-made")).body;
  assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
  assert.ok(svc.spec.ports[0].nodePort >= 30000, JSON.stringify(svc.spec));
});

test("a typeless body's members named like Object.prototype's are kept (Strict: unknown fields)", async () => {
  const typeless = '{"metadata":{"name":"proto-keys"},"toString":"x","constructor":1,"data":{}}';
  const r = await t.call(
    "POST",
    "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
    typeless,
  );
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.message, /unknown field "constructor"/);
  assert.match(r.body.message, /unknown field "toString"/);
});

test("unknown fields of built-in kinds are dropped (Warn: with a warning; Ignore: silently), not stored", async () => {
  const CMS = "/api/v1/namespaces/default/configmaps";
  const made = await t.call("POST", CMS, { ...cm("unknown-dropped"), extra: 1, data: { a: "b" } });
  assert.equal(made.status, 201, made.text);
  assert.match(made.headers.get("warning") ?? "", /unknown field \\"extra\\"/);
  assert.equal(made.body.extra, undefined);
  const put = await t.call("PUT", `${CMS}/unknown-dropped?fieldValidation=Ignore`, {
    ...made.body,
    again: true,
    metadata: { ...made.body.metadata, bogus: "x" },
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.headers.get("warning"), null);
  const patched = await t.call(
    "PATCH",
    `${CMS}/unknown-dropped`,
    { patched: 1 },
    {
      "Content-Type": "application/merge-patch+json",
    },
  );
  assert.equal(patched.status, 200, patched.text);
  const stored = (await t.call("GET", `${CMS}/unknown-dropped`)).body;
  assert.deepEqual(Object.keys(stored).sort(), ["apiVersion", "data", "kind", "metadata"]);
  assert.equal(stored.metadata.bogus, undefined);
  // The PUT and the merge patch stored nothing new (the unknown fields were all they changed).
  assert.equal(stored.metadata.resourceVersion, made.body.metadata.resourceVersion);
  const pod = await t.call("POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "unknown-nested" },
    spec: { bogusSpec: 1, containers: [{ name: "c", image: "busybox", bogus: true }] },
  });
  assert.equal(pod.status, 201, pod.text);
  assert.match(pod.headers.get("warning") ?? "", /unknown field \\"spec.bogusSpec\\"/);
  assert.match(pod.headers.get("warning") ?? "", /unknown field \\"spec.containers\[0\].bogus\\"/);
  const got = (await t.call("GET", "/api/v1/namespaces/default/pods/unknown-nested")).body;
  assert.equal(got.spec.bogusSpec, undefined);
  assert.equal(got.spec.containers[0].bogus, undefined);
  assert.equal(got.spec.containers[0].image, "busybox");
  // Apply converts its configuration to the typed form first, which an unknown field fails;
  // the message names the configuration's own namespace and name (none here), not the URL's.
  const apply = (metadata: Record<string, unknown>) =>
    t.call(
      "PATCH",
      `${CMS}/unknown-dropped?fieldManager=m&fieldValidation=Ignore`,
      JSON.stringify({ ...cm("unknown-dropped"), metadata, data: { a: "c" }, extra: 1 }),
      { "Content-Type": "application/apply-patch+yaml" },
    );
  const applied = await apply({ name: "unknown-dropped" });
  assert.equal(applied.status, 400, applied.text);
  assert.equal(
    applied.body.message,
    "failed to create typed patch object (/unknown-dropped; /v1, Kind=ConfigMap): .extra: field not declared in schema",
  );
  // Upstream makes the typed form before it compares the namespace with the URL's.
  const elsewhere = await apply({ name: "unknown-dropped", namespace: "other" });
  assert.equal(elsewhere.status, 400, elsewhere.text);
  assert.equal(
    elsewhere.body.message,
    "failed to create typed patch object (other/unknown-dropped; /v1, Kind=ConfigMap): .extra: field not declared in schema",
  );
});

test("a DELETE that marks an object keeps retrying its conflicts while other writes win", async () => {
  const name = "contended-delete";
  const made = await t.call("POST", "/api/v1/namespaces/default/configmaps", {
    ...cm(name),
    metadata: { name, finalizers: ["example.com/hold"] },
  });
  assert.equal(made.status, 201, made.text);
  // Before each of the DELETE's first 20 writes another write moves the object, so each
  // compare-and-swap fails (upstream retries those without a bound; here it gave up at 16).
  let moved = 0;
  const r = await withStoreUpdateHook(
    t,
    async (_def, obj) => {
      if (obj.metadata?.name !== name || moved >= 20) return;
      moved++;
      await moveRevision(t, `/registry/configmaps/default/${name}`);
    },
    () => t.call("DELETE", `/api/v1/namespaces/default/configmaps/${name}`),
  );
  assert.equal(r.status, 202, r.text);
  assert.ok(r.body.metadata.deletionTimestamp);
  assert.equal(moved, 20);
  const patched = await t.call(
    "PATCH",
    `/api/v1/namespaces/default/configmaps/${name}`,
    { metadata: { finalizers: null } },
    { "Content-Type": "application/merge-patch+json" },
  );
  assert.equal(patched.status, 200, patched.text);
});

test("a PUT that only orders its members otherwise writes nothing (upstream's typed round trip has one order)", async () => {
  const CMS = "/api/v1/namespaces/default/configmaps";
  const made = await t.call("POST", CMS, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "reordered", labels: { x: "1", y: "2" } },
    data: { a: "1", b: "2" },
  });
  assert.equal(made.status, 201, made.text);
  const rv = made.body.metadata.resourceVersion;
  const { uid, creationTimestamp, managedFields } = made.body.metadata;
  const reordered = {
    data: { b: "2", a: "1" },
    kind: "ConfigMap",
    metadata: {
      labels: { y: "2", x: "1" },
      managedFields,
      creationTimestamp,
      uid,
      name: "reordered",
      namespace: "default",
    },
    apiVersion: "v1",
  };
  const same = await t.call("PUT", `${CMS}/reordered`, reordered);
  assert.equal(same.status, 200, same.text);
  assert.equal(same.body.metadata.resourceVersion, rv, "nothing written");
  const changed = await t.call("PUT", `${CMS}/reordered`, {
    ...reordered,
    data: { b: "3", a: "1" },
  });
  assert.equal(changed.status, 200, changed.text);
  assert.notEqual(changed.body.metadata.resourceVersion, rv);
  assert.deepEqual(changed.body.data, { b: "3", a: "1" });
});

test("a DELETE started from a stale watch cache object is decided again from storage", async () => {
  const server = t.server.context;
  const def = server.registry.get("", "v1", "configmaps")!;
  const pods = server.registry.get("", "v1", "pods")!;
  /**
   * Once the cache holds name, its decoding replaced by an older-looking
   * version (another uid, an old revision): what a lagging cache suggests.
   * Returns the real uid.
   */
  const staleInCache = async (d: typeof def, name: string) => {
    const list = await t.call("GET", `/api/v1/namespaces/default/${d.resource}`);
    assert.equal(list.status, 200, list.text);
    const cached = await eventually(`${name} in the cache`, async () =>
      currentFromCache(server, d, "default", name),
    );
    const el = server.watchCaches.get(keyPrefix(d))!.store.get(objectKey(d, "default", name))!;
    assert.equal(el.obj, cached.obj);
    el.obj = {
      ...cached.obj,
      metadata: { ...cached.obj.metadata, uid: "uid-of-an-older-object", resourceVersion: "1" },
    };
    return cached.obj.metadata!.uid!;
  };

  // uid precondition failing on the cached object, met by storage's: deleted.
  const made = await t.call("POST", "/api/v1/namespaces/default/configmaps", cm("stale-uid"));
  assert.equal(made.status, 201, made.text);
  const uid = await staleInCache(def, "stale-uid");
  const del = await t.call("DELETE", "/api/v1/namespaces/default/configmaps/stale-uid", {
    preconditions: { uid },
  });
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.details.uid, uid);
  assert.equal(
    (await t.call("GET", "/api/v1/namespaces/default/configmaps/stale-uid")).status,
    404,
  );

  // A bound pod: the graceful marking from the cached object loses its swap, storage's wins.
  const pod = await t.call("POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stale-pod" },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  });
  assert.equal(pod.status, 201, pod.text);
  const podUid = await staleInCache(pods, "stale-pod");
  const marked = await t.call("DELETE", "/api/v1/namespaces/default/pods/stale-pod", {
    preconditions: { uid: podUid },
    gracePeriodSeconds: 30,
  });
  assert.equal(marked.status, 202, marked.text);
  assert.equal(marked.body.metadata.uid, podUid);
  assert.equal(marked.body.metadata.deletionGracePeriodSeconds, 30);
  // Asked again with the same grace period: nothing to change, answered from storage.
  await staleInCache(pods, "stale-pod");
  const again = await t.call("DELETE", "/api/v1/namespaces/default/pods/stale-pod", {
    gracePeriodSeconds: 30,
  });
  assert.equal(again.status, 202, again.text);
  assert.equal(again.body.metadata.uid, podUid);
  assert.equal(again.body.metadata.resourceVersion, marked.body.metadata.resourceVersion);
  const gone = await t.call("DELETE", "/api/v1/namespaces/default/pods/stale-pod", {
    preconditions: { uid: podUid },
    gracePeriodSeconds: 0,
  });
  assert.equal(gone.status, 200, gone.text);
  assert.equal((await t.call("GET", "/api/v1/namespaces/default/pods/stale-pod")).status, 404);
});

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../../../testing/test-server.ts";
import { makePod, startAdmissionServer } from "../admission-test-server.ts";
import { podConstraints, scopesMatch, usageOf } from "./usage.ts";
import { toJSONList } from "../resource-list.ts";

let t: TestServer;
const quotaPath = "/api/v1/namespaces/default/resourcequotas";

async function makeQuota(name: string, hard: Record<string, string>, used: Record<string, string>) {
  const res = await t.call("POST", quotaPath, {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name },
    spec: { hard },
  });
  assert.equal(res.status, 201, res.text);
  // What the controller would write.
  const status = await t.call("PUT", `${quotaPath}/${name}/status`, {
    ...res.body,
    status: { hard, used },
  });
  assert.equal(status.status, 200, status.text);
}

before(async () => {
  t = await startAdmissionServer({ disable: ["ServiceAccount"] });
});
after(() => t.close());

test("pods are charged against the quota until it is exhausted, with upstream's message", async () => {
  await makeQuota(
    "compute",
    { pods: "2", "requests.cpu": "1" },
    { pods: "0", "requests.cpu": "0" },
  );
  const pod = (name: string, cpu: string) =>
    makePod(name, { c: { resources: { requests: { cpu } } } });
  assert.equal(
    (await t.call("POST", "/api/v1/namespaces/default/pods", pod("a", "600m"))).status,
    201,
  );
  let q = await t.call("GET", `${quotaPath}/compute`);
  assert.deepEqual(q.body.status.used, { pods: "1", "requests.cpu": "600m" });
  const over = await t.call("POST", "/api/v1/namespaces/default/pods", pod("b", "500m"));
  assert.equal(over.status, 403);
  assert.equal(over.body.reason, "Forbidden");
  assert.equal(
    over.body.message,
    'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1',
  );
  const missing = await t.call("POST", "/api/v1/namespaces/default/pods", makePod("c"));
  assert.equal(missing.status, 403);
  assert.equal(
    missing.body.message,
    'pods "c" is forbidden: failed quota: compute: must specify requests.cpu for: c',
  );
  const dry = await t.call("POST", "/api/v1/namespaces/default/pods?dryRun=All", pod("d", "100m"));
  assert.equal(dry.status, 201, dry.text);
  q = await t.call("GET", `${quotaPath}/compute`);
  assert.deepEqual(q.body.status.used, { pods: "1", "requests.cpu": "600m" });
});

test("concurrent creates never exceed an object-count quota", async () => {
  await makeQuota("maps", { "count/configmaps": "3" }, { "count/configmaps": "0" });
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      t.call("POST", "/api/v1/namespaces/default/configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `cm-${i}` },
      }),
    ),
  );
  assert.equal(results.filter((r) => r.status === 201).length, 3);
  for (const r of results.filter((r) => r.status !== 201)) {
    assert.equal(r.status, 403);
    assert.match(
      r.body.message,
      /exceeded quota: maps, requested: count\/configmaps=1, used: count\/configmaps=3, limited: count\/configmaps=3/,
    );
  }
  const q = await t.call("GET", `${quotaPath}/maps`);
  assert.deepEqual(q.body.status.used, { "count/configmaps": "3" });
});

test("concurrent creates under a roomy quota are all admitted, none lost to quota conflicts", async () => {
  // Upstream charges a namespace's waiting writes in one worker, so writes to one API server
  // do not race each other for the quota's resourceVersion; here each write's charge is a
  // compare-and-swap of the quota, and 60 at once used to give some of them 409 Conflict.
  const n = 60;
  await makeQuota(
    "roomy",
    { "count/persistentvolumeclaims": "1000" },
    {
      "count/persistentvolumeclaims": "0",
    },
  );
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      t.call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: `claim-${i}` },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      }),
    ),
  );
  const failed = results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`);
  assert.deepEqual(failed, []);
  const q = await t.call("GET", `${quotaPath}/roomy`);
  assert.deepEqual(q.body.status.used, { "count/persistentvolumeclaims": String(n) });
});

test("a quota whose usage is not computed yet rejects as upstream", async () => {
  const res = await t.call("POST", quotaPath, {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "fresh" },
    spec: { hard: { secrets: "5" } },
  });
  assert.equal(res.status, 201);
  await t.call("PUT", `${quotaPath}/fresh/status`, {
    ...res.body,
    status: { hard: { secrets: "5" } },
  });
  const s = await t.call("POST", "/api/v1/namespaces/default/secrets", {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
  });
  assert.equal(s.status, 403);
  assert.equal(
    s.body.message,
    'secrets "s" is forbidden: status unknown for quota: fresh, resources: secrets',
  );
});

test("usage of objects follows upstream's evaluators", () => {
  const now = Date.UTC(2026, 0, 1);
  const cases: [string, string, Record<string, unknown>, Record<string, string>][] = [
    [
      "",
      "pods",
      {
        spec: {
          containers: [
            { resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m" } } },
            { resources: { requests: { cpu: "250m" } } },
          ],
        },
      },
      {
        "count/pods": "1",
        cpu: "500m",
        "limits.cpu": "500m",
        memory: "64Mi",
        pods: "1",
        "requests.cpu": "500m",
        "requests.memory": "64Mi",
      },
    ],
    ["", "pods", { spec: {}, status: { phase: "Succeeded" } }, { "count/pods": "1" }],
    [
      "",
      "services",
      { spec: { type: "NodePort", ports: [{ port: 80 }, { port: 443 }] } },
      { "count/services": "1", services: "1", "services.nodeports": "2" },
    ],
    [
      "",
      "persistentvolumeclaims",
      { spec: { storageClassName: "gold", resources: { requests: { storage: "1Gi" } } } },
      {
        "count/persistentvolumeclaims": "1",
        "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1",
        "gold.storageclass.storage.k8s.io/requests.storage": "1Gi",
        persistentvolumeclaims: "1",
        "requests.storage": "1Gi",
      },
    ],
    // Extended resources are charged as requests only.
    [
      "",
      "pods",
      {
        spec: {
          containers: [
            {
              resources: {
                requests: { "example.com/gpu": "2" },
                limits: { "example.com/gpu": "2" },
              },
            },
          ],
        },
      },
      { "count/pods": "1", pods: "1", "requests.example.com/gpu": "2" },
    ],
    ["apps", "deployments", {}, { "count/deployments.apps": "1" }],
    ["", "secrets", {}, { "count/secrets": "1", secrets: "1" }],
  ];
  for (const [group, resource, obj, want] of cases) {
    assert.deepEqual(toJSONList(usageOf({ group, resource }, obj, now)), want, resource);
  }
  assert.equal(
    podConstraints(
      {
        spec: {
          containers: [{ name: "x" }, { name: "y", resources: { limits: { memory: "1Gi" } } }],
        },
      },
      ["limits.memory", "requests.cpu", "pods"],
    ),
    "must specify limits.memory for: x; requests.cpu for: x,y",
  );
});

test("quota scopes and scopeSelector select pods as upstream", () => {
  const pods = { group: "", resource: "pods" };
  const pod = (spec: Record<string, unknown>) => ({ spec: { containers: [{}], ...spec } });
  const burstable = pod({ containers: [{ resources: { requests: { cpu: "1" } } }] });
  const deadline = pod({ activeDeadlineSeconds: 60 });
  const high = pod({ priorityClassName: "high" });
  const quota = (spec: Record<string, unknown>) => ({ spec: { hard: { pods: "1" }, ...spec } });
  // [quota spec, object's target, object, selected]
  const cases: [Record<string, unknown>, typeof pods, Record<string, unknown>, boolean][] = [
    [{}, { group: "", resource: "configmaps" }, {}, true],
    [{ scopes: ["BestEffort"] }, pods, pod({}), true],
    [{ scopes: ["BestEffort"] }, pods, burstable, false],
    [{ scopes: ["NotBestEffort"] }, pods, burstable, true],
    [{ scopes: ["Terminating"] }, pods, deadline, true],
    [{ scopes: ["Terminating"] }, pods, pod({}), false],
    [{ scopes: ["NotTerminating"] }, pods, pod({}), true],
    [{ scopes: ["BestEffort", "NotTerminating"] }, pods, deadline, false],
    // Scoped quotas select pods only.
    [{ scopes: ["NotTerminating"] }, { group: "", resource: "services" }, {}, false],
    [
      {
        scopeSelector: {
          matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }],
        },
      },
      pods,
      high,
      true,
    ],
    [
      {
        scopeSelector: {
          matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["low"] }],
        },
      },
      pods,
      high,
      false,
    ],
    [
      {
        scopeSelector: {
          matchExpressions: [{ scopeName: "PriorityClass", operator: "NotIn", values: ["low"] }],
        },
      },
      pods,
      high,
      true,
    ],
    [
      { scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "Exists" }] } },
      pods,
      pod({}),
      false,
    ],
    [
      {
        scopeSelector: {
          matchExpressions: [{ scopeName: "PriorityClass", operator: "DoesNotExist" }],
        },
      },
      pods,
      pod({}),
      true,
    ],
  ];
  for (const [spec, target, obj, want] of cases) {
    assert.equal(scopesMatch(quota(spec), target, obj), want, JSON.stringify([spec, obj]));
  }
});

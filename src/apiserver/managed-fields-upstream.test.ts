/**
 * managedFields as a real kube-apiserver v1.32 writes them for a Deployment,
 * field for field. The expected forms are those of published
 * `kubectl get deployment -o yaml --show-managed-fields` outputs of upstream
 * clusters: "." marks a node that is itself owned, which for an Update
 * (create) is every node absent from the kind's Go zero value (labels,
 * rollingUpdate, list items) and never `f:spec`, `f:strategy`,
 * `f:template` or `f:containers`; an Apply owns the applied configuration's
 * list items and leaves, not its struct fields.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { useTestServer } from "./testing/test-server.ts";

const t = useTestServer();

/**
 * kubectl create and client-side apply send the object kubectl built in Go,
 * whose containers carry `resources: {}` (a struct held by value); a
 * server-side apply sends the manifest as written.
 */
const deployment = (
  name: string,
  annotations?: Record<string, string>,
  container: Record<string, unknown> = { resources: {} },
) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name }, ...(annotations ? { annotations } : {}) },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "nginx", image: "nginx", ...container }] },
    },
  },
});

/** What the creator of `deployment(name)` owns once defaults are applied. */
const createdFields = (name: string) => ({
  "f:spec": {
    "f:progressDeadlineSeconds": {},
    "f:replicas": {},
    "f:revisionHistoryLimit": {},
    "f:selector": {},
    "f:strategy": {
      "f:rollingUpdate": { ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {} },
      "f:type": {},
    },
    "f:template": {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": {
        "f:containers": {
          'k:{"name":"nginx"}': {
            ".": {},
            "f:image": {},
            "f:imagePullPolicy": {},
            "f:name": {},
            "f:resources": {},
            "f:terminationMessagePath": {},
            "f:terminationMessagePolicy": {},
          },
        },
        "f:dnsPolicy": {},
        "f:restartPolicy": {},
        "f:schedulerName": {},
        "f:securityContext": {},
        "f:terminationGracePeriodSeconds": {},
      },
    },
  },
  name,
});

type Entry = { manager: string; operation: string; fieldsV1: Record<string, unknown> };

async function entries(path: string): Promise<Entry[]> {
  const got = await t.call("GET", path);
  assert.equal(got.status, 200, got.text);
  return got.body.metadata.managedFields;
}

test("kubectl create: one Update entry in upstream's FieldsV1 form", async () => {
  const created = await t.call(
    "POST",
    "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create",
    deployment("web"),
  );
  assert.equal(created.status, 201, created.text);
  const [entry, ...others] = await entries("/apis/apps/v1/namespaces/default/deployments/web");
  assert.deepEqual(others, []);
  assert.equal(entry.manager, "kubectl-create");
  assert.equal(entry.operation, "Update");
  const { "f:spec": spec } = createdFields("web");
  assert.deepEqual(entry.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": spec,
  });
});

test("kubectl apply (client-side): the creation is an Update that owns the annotation too", async () => {
  const lastApplied = JSON.stringify(deployment("cs"));
  const created = await t.call(
    "POST",
    "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-client-side-apply",
    deployment("cs", { "kubectl.kubernetes.io/last-applied-configuration": lastApplied }),
  );
  assert.equal(created.status, 201, created.text);
  const [entry] = await entries("/apis/apps/v1/namespaces/default/deployments/cs");
  assert.equal(entry.manager, "kubectl-client-side-apply");
  assert.equal(entry.operation, "Update");
  assert.deepEqual(entry.fieldsV1, {
    "f:metadata": {
      "f:annotations": { ".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {} },
      "f:labels": { ".": {}, "f:app": {} },
    },
    "f:spec": createdFields("cs")["f:spec"],
  });
});

test("kubectl apply --server-side: an Apply entry owns what was applied, list items with '.'", async () => {
  const applied = await t.call(
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/ss?fieldManager=kubectl",
    deployment("ss", undefined, {}),
    { "Content-Type": "application/apply-patch+yaml" },
  );
  assert.equal(applied.status, 201, applied.text);
  const [entry] = await entries("/apis/apps/v1/namespaces/default/deployments/ss");
  assert.equal(entry.manager, "kubectl");
  assert.equal(entry.operation, "Apply");
  assert.deepEqual(entry.fieldsV1, {
    "f:metadata": { "f:labels": { "f:app": {} } },
    "f:spec": {
      "f:replicas": {},
      "f:selector": {},
      "f:template": {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } },
        },
      },
    },
  });
});

test("an update adding a container's env, ports and securityContext owns them with '.' as upstream", async () => {
  await t.call(
    "POST",
    "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create",
    deployment("upd"),
  );
  const patched = await t.call(
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/upd?fieldManager=kubectl-edit",
    {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "nginx",
                env: [{ name: "A", value: "1" }],
                ports: [{ containerPort: 80 }],
                securityContext: { capabilities: { drop: ["ALL"] }, runAsNonRoot: true },
                resources: { limits: { cpu: "1" } },
              },
            ],
          },
        },
      },
    },
    { "Content-Type": "application/strategic-merge-patch+json" },
  );
  assert.equal(patched.status, 200, patched.text);
  const edit = (await entries("/apis/apps/v1/namespaces/default/deployments/upd")).find(
    (e) => e.manager === "kubectl-edit",
  );
  assert.deepEqual(edit?.fieldsV1, {
    "f:spec": {
      "f:template": {
        "f:spec": {
          "f:containers": {
            'k:{"name":"nginx"}': {
              "f:env": {
                ".": {},
                'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} },
              },
              "f:ports": {
                ".": {},
                'k:{"containerPort":80,"protocol":"TCP"}': {
                  ".": {},
                  "f:containerPort": {},
                  "f:protocol": {},
                },
              },
              // Held by value: the old container had `resources: {}`, so only its new map is marked.
              "f:resources": { "f:limits": { ".": {}, "f:cpu": {} } },
              "f:securityContext": {
                ".": {},
                "f:capabilities": { ".": {}, "f:drop": {} },
                "f:runAsNonRoot": {},
              },
            },
          },
        },
      },
    },
  });
});

test("a server-side apply conflict is answered at once, not retried as a storage conflict", async () => {
  const APPLY = { "Content-Type": "application/apply-patch+yaml" };
  const body = (v: string) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "owned" },
      data: { k: v },
    });
  const apply = (manager: string) =>
    t.call(
      "PATCH",
      `/api/v1/namespaces/default/configmaps/owned?fieldManager=${manager}`,
      body(manager),
      APPLY,
    );
  const first = await apply("a");
  assert.equal(first.status, 201, first.text);
  // Counts the object store's reads (a retry re-reads the object before running the apply again).
  const store = t.server.context.store;
  const getKV = store.getKV;
  let reads = 0;
  store.getKV = (...a) => (reads++, getKV.apply(store, a));
  try {
    const second = await apply("b");
    assert.equal(second.status, 409, second.text);
    assert.match(second.body.message, /conflict with "a"/);
  } finally {
    store.getKV = getKV;
  }
  // At most one read (the write starts from the cache); 17 when the conflict was retried.
  assert.ok(reads <= 1, `${reads} reads`);
});

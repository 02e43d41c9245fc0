import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";
import { startApiServer } from "../apiserver/server.ts";
import { cronTabCRD } from "./testing.ts";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const CTS = "/apis/stable.example.com/v1/namespaces/default/crontabs";
const TABLE = { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };

/** Polls `check` until it returns true (bounded; the CRD controller reacts to a watch event). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function served(t: TestServer, path = "/apis/stable.example.com/v1"): Promise<void> {
  await until(async () => (await t.call("GET", path)).status === 200, `${path} to be served`);
}

function cronTab(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name }, spec };
}

test("a CRD serves its custom resources with schema semantics", async () => {
  const t = await startTestServer();
  try {
    assert.equal((await t.call("POST", CRDS, cronTabCRD())).status, 201);
    await served(t);
    const crd = (await t.call("GET", `${CRDS}/crontabs.stable.example.com`)).body;
    const cond = Object.fromEntries(
      crd.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]),
    );
    assert.deepEqual(cond, { NamesAccepted: "True", Established: "True" });
    assert.deepEqual(crd.status.storedVersions, ["v1"]);
    assert.deepEqual(crd.metadata.finalizers, ["customresourcecleanup.apiextensions.k8s.io"]);

    // Defaulting and pruning, with the unknown field as a warning (fieldValidation=Warn).
    let r = await t.call(
      "POST",
      CTS,
      cronTab("a", { cronSpec: "* * * * *", image: "img", bogus: 1 }),
    );
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.spec, {
      cronSpec: "* * * * *",
      image: "img",
      replicas: 1,
      maxReplicas: 10,
      color: "green",
    });
    assert.match(r.headers.get("warning") ?? "", /unknown field \\"spec.bogus\\"/);
    r = await t.call(
      "POST",
      `${CTS}?fieldValidation=Strict`,
      cronTab("s", { cronSpec: "* * * * *", bogus: 1 }),
    );
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'strict decoding error: unknown field "spec.bogus"');

    // Schema and CEL errors: 422 with field causes.
    r = await t.call("POST", CTS, cronTab("b", { cronSpec: "bad", replicas: 20, maxReplicas: 5 }));
    assert.equal(r.status, 422);
    assert.deepEqual(
      r.body.details.causes.map((c: { field: string }) => c.field),
      ["spec.cronSpec", "spec"],
    );
    assert.match(r.body.message, /replicas must not exceed maxReplicas/);

    // Transition rule: a locked image may not change.
    r = await t.call(
      "PATCH",
      `${CTS}/a`,
      { spec: { locked: true } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(r.status, 200, r.text);
    r = await t.call(
      "PATCH",
      `${CTS}/a`,
      { spec: { image: "other" } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(r.status, 422);
    assert.match(r.body.message, /spec: Invalid value: "object": image is locked/);

    // Status subresource: main resource ignores status; /status takes it.
    r = await t.call("PUT", `${CTS}/a/status`, {
      ...(await t.call("GET", `${CTS}/a`)).body,
      status: { replicas: 2, selector: "app=x" },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.status, { replicas: 2, selector: "app=x" });
    // Scale subresource.
    r = await t.call("GET", `${CTS}/a/scale`);
    assert.equal(r.body.kind, "Scale");
    assert.equal(r.body.spec.replicas, 1);
    assert.equal(r.body.status.replicas, 2);
    assert.equal(r.body.status.selector, "app=x");
    r = await t.call(
      "PATCH",
      `${CTS}/a/scale`,
      { spec: { replicas: 4 } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(r.status, 200, r.text);
    assert.equal((await t.call("GET", `${CTS}/a`)).body.spec.replicas, 4);

    // Table with printer columns; field selector on a selectable field.
    r = await t.call("GET", CTS, undefined, TABLE);
    assert.deepEqual(
      r.body.columnDefinitions.map((c: { name: string }) => c.name),
      ["Name", "Spec", "Replicas", "Age"],
    );
    assert.deepEqual(r.body.rows[0].cells.slice(0, 3), ["a", "* * * * *", 4]);
    r = await t.call("GET", `${CTS}?fieldSelector=spec.color%3Dgreen`);
    assert.equal(r.body.items.length, 1);
    r = await t.call("GET", `${CTS}?fieldSelector=spec.color%3Dred`);
    assert.equal(r.body.items.length, 0);

    // Discovery and OpenAPI.
    r = await t.call("GET", "/apis", undefined, {
      Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    });
    const group = r.body.items.find(
      (g: { metadata: { name: string } }) => g.metadata.name === "stable.example.com",
    );
    assert.equal(group.versions[0].resources[0].resource, "crontabs");
    assert.deepEqual(group.versions[0].resources[0].shortNames, ["ct"]);
    assert.deepEqual(group.versions[0].resources[0].categories, ["all"]);
    r = await t.call("GET", "/openapi/v3/apis/stable.example.com/v1");
    const schema = r.body.components.schemas["com.example.stable.v1.CronTab"];
    assert.equal(
      schema.properties.spec.properties.cronSpec.description,
      "The schedule, in cron format.",
    );
    assert.deepEqual(schema["x-kubernetes-group-version-kind"], [
      { group: "stable.example.com", kind: "CronTab", version: "v1" },
    ]);
    r = await t.call("GET", "/openapi/v2");
    assert.ok(r.body.definitions["com.example.stable.v1.CronTab"]);
  } finally {
    await t.close();
  }
});

test("name conflicts are reported in NamesAccepted", async () => {
  const t = await startTestServer();
  try {
    await t.call("POST", CRDS, cronTabCRD());
    await served(t);
    const clash = cronTabCRD();
    clash.metadata!.name = "crontabz.stable.example.com";
    clash.spec.names = {
      ...clash.spec.names,
      plural: "crontabz",
      singular: "crontabz",
      shortNames: [],
    };
    assert.equal((await t.call("POST", CRDS, clash)).status, 201);
    await until(async () => {
      const c = (await t.call("GET", `${CRDS}/crontabz.stable.example.com`)).body;
      return (c.status?.conditions ?? []).some(
        (x: { type: string; status: string }) => x.type === "NamesAccepted" && x.status === "False",
      );
    }, "NamesAccepted=False");
    const c = (await t.call("GET", `${CRDS}/crontabz.stable.example.com`)).body;
    const names = c.status.conditions.find((x: { type: string }) => x.type === "NamesAccepted");
    assert.equal(names.reason, "KindConflict");
    assert.equal(names.message, '"CronTab" is already in use');
    assert.equal(
      (await t.call("GET", "/apis/stable.example.com/v1/namespaces/default/crontabz")).status,
      404,
    );
  } finally {
    await t.close();
  }
});

test("invalid CRDs are rejected with field errors", async () => {
  const t = await startTestServer();
  try {
    const bad = cronTabCRD();
    bad.metadata!.name = "wrong.stable.example.com";
    bad.spec.versions[0]!.storage = false;
    bad.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.spec!.properties!.replicas = {
      minimum: 1,
    };
    const r = await t.call("POST", CRDS, bad);
    assert.equal(r.status, 422);
    const fields = r.body.details.causes.map((c: { field: string }) => c.field);
    assert.ok(fields.includes("metadata.name"), fields.join());
    assert.ok(fields.includes("spec.versions"), fields.join());
    assert.ok(
      fields.includes(
        "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas].type",
      ),
      fields.join(),
    );
  } finally {
    await t.close();
  }
});

test("deleting a CRD deletes its objects; CRDs are served again after a restart", async () => {
  const t = await startTestServer();
  try {
    await t.call("POST", CRDS, cronTabCRD({ scope: "Cluster" }));
    await served(t);
    const cluster = "/apis/stable.example.com/v1/crontabs";
    assert.equal(
      (await t.call("POST", cluster, cronTab("x", { cronSpec: "* * * * *" }))).status,
      201,
    );

    // Restart: a new server on the same storage serves the CRD once ready.
    await t.server.close();
    const again = await startApiServer({ backend: t.backend, port: 0, clock: t.clock });
    await again.ready;
    const res = await fetch(`${again.url}${cluster}/x`);
    assert.equal(res.status, 200);
    assert.equal(
      (await fetch(`${again.url}${CRDS}/crontabs.stable.example.com`, { method: "DELETE" }))
        .status < 300,
      true,
    );
    await until(
      async () => (await fetch(`${again.url}${CRDS}/crontabs.stable.example.com`)).status === 404,
      "CRD gone",
    );
    assert.equal((await t.backend.list("/registry/stable.example.com/")).kvs.length, 0);
    assert.equal((await fetch(`${again.url}${cluster}`)).status, 404);
    await again.close();
  } finally {
    await t.close();
  }
});

test("multiple versions share storage with None conversion; defaults apply on read", async () => {
  const t = await startTestServer();
  try {
    const crd = cronTabCRD();
    const v1 = crd.spec.versions[0]!;
    const v1beta1 = structuredClone(v1);
    v1beta1.name = "v1beta1";
    v1beta1.storage = false;
    v1beta1.deprecated = true;
    v1beta1.schema!.openAPIV3Schema!.properties!.spec!.properties!.color!.default = "blue";
    const v1alpha1 = { ...structuredClone(v1), name: "v1alpha1", storage: false, served: false };
    crd.spec.versions = [v1beta1, v1, v1alpha1];
    assert.equal((await t.call("POST", CRDS, crd)).status, 201);
    await served(t);
    await served(t, "/apis/stable.example.com/v1beta1");
    assert.equal((await t.call("GET", "/apis/stable.example.com/v1alpha1")).status, 404);
    const beta = "/apis/stable.example.com/v1beta1/namespaces/default/crontabs";
    let r = await t.call("POST", beta, {
      ...cronTab("m", { cronSpec: "* * * * *" }),
      apiVersion: "stable.example.com/v1beta1",
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.apiVersion, "stable.example.com/v1beta1");
    assert.match(
      r.headers.get("warning") ?? "",
      /stable\.example\.com\/v1beta1 CronTab is deprecated; use stable\.example\.com\/v1 CronTab/,
    );
    assert.equal(r.body.spec.color, "blue");
    const stored = JSON.parse(
      (await t.backend.get("/registry/stable.example.com/crontabs/default/m")).kv!.value,
    );
    assert.equal(stored.apiVersion, "stable.example.com/v1");
    r = await t.call("GET", `${CTS}/m`);
    assert.equal(r.body.apiVersion, "stable.example.com/v1");
    assert.equal(r.body.spec.color, "blue");
    const group = (await t.call("GET", "/apis/stable.example.com")).body;
    assert.equal(group.preferredVersion.version, "v1");

    // A default added later shows up when existing objects are read.
    const current = (await t.call("GET", `${CRDS}/crontabs.stable.example.com`)).body;
    current.spec.versions[1].schema.openAPIV3Schema.properties.spec.properties.image.default =
      "busybox";
    assert.equal((await t.call("PUT", `${CRDS}/crontabs.stable.example.com`, current)).status, 200);
    await until(
      async () => (await t.call("GET", `${CTS}/m`)).body.spec.image === "busybox",
      "read default",
    );
  } finally {
    await t.close();
  }
});

test("a deprecationWarning outside Latin-1 is sent as UTF-8 and the version stays served", async () => {
  const t = await startTestServer();
  try {
    const crd = cronTabCRD();
    crd.spec.versions[0]!.deprecated = true;
    crd.spec.versions[0]!.deprecationWarning = "v1 is deprecated — it’s going away";
    assert.equal((await t.call("POST", CRDS, crd)).status, 201);
    await served(t);
    const made = await t.call("POST", CTS, cronTab("dash", { cronSpec: "* * * * *" }));
    assert.equal(made.status, 201, made.text);
    const list = await t.call("GET", CTS);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.items.length, 1);
    assert.equal(
      Buffer.from(list.headers.get("warning") ?? "", "latin1").toString("utf8"),
      '299 - "v1 is deprecated — it’s going away"',
    );
  } finally {
    await t.close();
  }
});

test("a terminating CRD waits for finalized objects and refuses creates", async () => {
  const t = await startTestServer();
  try {
    await t.call("POST", CRDS, cronTabCRD());
    await served(t);
    const held = {
      ...cronTab("held", { cronSpec: "* * * * *" }),
      metadata: { name: "held", finalizers: ["example.com/hold"] },
    };
    assert.equal((await t.call("POST", CTS, held)).status, 201);
    await t.call("DELETE", `${CRDS}/crontabs.stable.example.com`);
    await until(
      async () => Boolean((await t.call("GET", `${CTS}/held`)).body.metadata?.deletionTimestamp),
      "CR marked deleted",
    );
    const crd = (await t.call("GET", `${CRDS}/crontabs.stable.example.com`)).body;
    assert.ok(
      crd.status.conditions.some(
        (c: { type: string; status: string }) => c.type === "Terminating" && c.status === "True",
      ),
    );
    assert.equal(
      (await t.call("POST", CTS, cronTab("late", { cronSpec: "* * * * *" }))).status,
      405,
    );
    const r = await t.call(
      "PATCH",
      `${CTS}/held`,
      { metadata: { finalizers: null } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(r.status, 200, r.text);
    await until(
      async () => (await t.call("GET", `${CRDS}/crontabs.stable.example.com`)).status === 404,
      "CRD finalized",
    );
  } finally {
    await t.close();
  }
});

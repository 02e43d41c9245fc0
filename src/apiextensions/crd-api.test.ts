/**
 * Custom resource API details against an in-process server: list items keep
 * apiVersion/kind (unstructured lists), strategic merge patch is refused
 * with 415 as upstream, and updates ratchet validation of unchanged fields.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";
import { cronTabCRD } from "./testing.ts";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const CTS = "/apis/stable.example.com/v1/namespaces/default/crontabs";

async function served(t: TestServer): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await t.call("GET", "/apis/stable.example.com/v1")).status === 200) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail("CRD not served");
}

function cronTab(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name }, spec };
}

test("custom resource lists keep apiVersion and kind on items; SMP is 415", async () => {
  const t = await startTestServer();
  try {
    assert.equal((await t.call("POST", CRDS, cronTabCRD())).status, 201);
    await served(t);
    assert.equal((await t.call("POST", CTS, cronTab("a", { cronSpec: "* * * * *" }))).status, 201);
    const list = (await t.call("GET", CTS)).body;
    assert.equal(list.kind, "CronTabList");
    assert.equal(list.items[0].apiVersion, "stable.example.com/v1");
    assert.equal(list.items[0].kind, "CronTab");
    // Built-in lists still drop them.
    const cms = (await t.call("GET", "/api/v1/namespaces/default/configmaps")).body;
    for (const item of cms.items) assert.equal(item.kind, undefined);

    const cases: [string, number][] = [
      ["application/strategic-merge-patch+json", 415],
      ["application/merge-patch+json", 200],
    ];
    for (const [type, status] of cases) {
      const r = await t.call(
        "PATCH",
        `${CTS}/a`,
        { spec: { image: "x" } },
        { "Content-Type": type },
      );
      assert.equal(r.status, status, `${type}: ${r.text}`);
      if (status === 415) {
        assert.equal(r.body.reason, "UnsupportedMediaType");
        assert.equal(
          r.body.message,
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        );
      }
    }
    // Strategic merge patch on a built-in still works.
    await t.call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "c" },
      data: { a: "1" },
    });
    const r = await t.call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/c",
      { data: { b: "2" } },
      { "Content-Type": "application/strategic-merge-patch+json" },
    );
    assert.equal(r.status, 200, r.text);
  } finally {
    await t.close();
  }
});

test("updates ratchet: a tightened schema does not block unrelated changes", async () => {
  const t = await startTestServer();
  try {
    assert.equal((await t.call("POST", CRDS, cronTabCRD())).status, 201);
    await served(t);
    const spec = { cronSpec: "* * * * *", image: "a-very-long-image-name" };
    assert.equal((await t.call("POST", CTS, cronTab("r", spec))).status, 201);
    // Tighten the schema: image at most 5 characters.
    const crd = (await t.call("GET", `${CRDS}/crontabs.stable.example.com`)).body;
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.image.maxLength = 5;
    assert.equal((await t.call("PUT", `${CRDS}/crontabs.stable.example.com`, crd)).status, 200);
    for (let i = 0; ; i++) {
      const r = await t.call("POST", `${CTS}?dryRun=All`, cronTab("probe", spec));
      if (r.status === 422) break;
      assert.ok(i < 1000, "tightened schema not served");
      await new Promise((res) => setTimeout(res, 5));
    }
    const merge = { "Content-Type": "application/merge-patch+json" };
    let r = await t.call("PATCH", `${CTS}/r`, { spec: { replicas: 3 } }, merge);
    assert.equal(r.status, 200, r.text);
    r = await t.call("PATCH", `${CTS}/r`, { spec: { image: "another-long-name" } }, merge);
    assert.equal(r.status, 422, r.text);
    assert.match(r.body.message, /spec\.image: Too long: may not be more than 5 bytes/);
  } finally {
    await t.close();
  }
});

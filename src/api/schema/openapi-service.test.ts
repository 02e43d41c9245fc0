import { test } from "node:test";
import assert from "node:assert/strict";
import { OpenAPIService } from "./openapi-service.ts";
import { builtinSchemas } from "./builtin.ts";
import { appsResources } from "../resources/apps.ts";
import { rbacResources } from "../resources/rbac.ts";

const service = new OpenAPIService([...rbacResources(), ...appsResources()], builtinSchemas());

test("the index lists each served group-version with its document hash", () => {
  const index = JSON.parse(service.indexJSON());
  assert.deepEqual(Object.keys(index.paths), ["apis/apps/v1", "apis/rbac.authorization.k8s.io/v1"]);
  const apps = service.document("apis/apps/v1")!;
  assert.equal(
    index.paths["apis/apps/v1"].serverRelativeURL,
    `/openapi/v3/apis/apps/v1?hash=${apps.hash}`,
  );
  assert.equal(service.document("apis/apps/v1"), apps, "documents are built once");
  assert.equal(service.document("apis/batch/v1"), undefined);
});

test("respond follows upstream's caching rules", async (t) => {
  const { hash, json } = service.document("apis/apps/v1")!;
  const etag = `"${hash}"`;
  const cases = [
    {
      name: "index",
      path: "/openapi/v3",
      search: "",
      status: 200,
      headers: { "Cache-Control": "no-cache, private" },
    },
    {
      name: "no hash",
      path: "/openapi/v3/apis/apps/v1",
      search: "",
      status: 200,
      headers: { ETag: etag, "Cache-Control": "no-cache, private" },
      body: json,
    },
    {
      name: "current hash is immutable",
      path: "/openapi/v3/apis/apps/v1",
      search: `?hash=${hash}`,
      status: 200,
      headers: { ETag: etag, "Cache-Control": "public, immutable" },
      body: json,
    },
    {
      name: "stale hash redirects",
      path: "/openapi/v3/apis/apps/v1",
      search: "?hash=OLD",
      status: 301,
      headers: { Location: `/openapi/v3/apis/apps/v1?hash=${hash}` },
    },
    {
      name: "etag match",
      path: "/openapi/v3/apis/apps/v1",
      search: "",
      inm: `"x", ${etag}`,
      status: 304,
      headers: { ETag: etag },
    },
    {
      name: "unknown group-version",
      path: "/openapi/v3/apis/nope/v1",
      search: "",
      status: 404,
      headers: {},
    },
    { name: "not an openapi path", path: "/openapi/v4", search: "", status: 404, headers: {} },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const res = service.respond({ path: c.path, search: c.search, ifNoneMatch: c.inm });
      assert.equal(res.status, c.status);
      for (const [k, v] of Object.entries(c.headers)) assert.equal(res.headers[k], v, k);
      if (c.body !== undefined) assert.equal(res.body, c.body);
      if (c.status === 404) assert.equal(JSON.parse(res.body as string).reason, "NotFound");
    });
  }
});

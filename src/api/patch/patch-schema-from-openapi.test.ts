import { test } from "node:test";
import assert from "node:assert/strict";
import { patchSchemaFromOpenAPI } from "./patch-schema-from-openapi.ts";
import { listSemantics, structSchema } from "./patch-schema.ts";
import { fieldSetOf } from "./field-set-of.ts";
import { serverSideApply } from "./server-side-apply.ts";
import { updateManagedFields } from "./managed-fields.ts";

const crd = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        size: { type: "integer" },
        tags: { type: "array", items: { type: "string" } },
        owners: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: {
            type: "object",
            properties: { name: { type: "string" }, port: { type: "integer" } },
          },
        },
        selector: {
          type: "object",
          "x-kubernetes-map-type": "atomic",
          additionalProperties: { type: "string" },
        },
        config: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
};

const schema = patchSchemaFromOpenAPI(crd, structSchema({ name: {}, labels: {} }));

test("CRD list and map types map to patch semantics", () => {
  const spec = schema.field("spec")!.schema!;
  assert.deepEqual(listSemantics(spec.field("tags")), { kind: "atomic" });
  assert.deepEqual(listSemantics(spec.field("owners")), { kind: "set" });
  assert.deepEqual(listSemantics(spec.field("ports")), { kind: "map", keys: ["name"] });
  assert.equal(spec.field("selector")!.mapType, "atomic");
  assert.equal(spec.field("config")!.schema!.isMap, true);
  assert.equal(spec.field("nope"), undefined);
  assert.ok(schema.field("metadata")!.schema!.field("name"));
});

test("SSA over a CRD schema merges map-lists by key", () => {
  const obj = (ports: { name: string; port: number }[]) => ({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w" },
    spec: { ports },
  });
  const opts = { apiVersion: "example.com/v1", time: "2026-01-01T00:00:00Z", force: false };
  const a = serverSideApply(
    undefined,
    obj([{ name: "http", port: 80 }]),
    { ...opts, manager: "a" },
    schema,
  );
  assert.ok("object" in a);
  const b = serverSideApply(
    a.object,
    obj([{ name: "https", port: 443 }]),
    { ...opts, manager: "b" },
    schema,
  );
  assert.ok("object" in b);
  assert.deepEqual((b.object.spec as { ports: unknown[] }).ports, [
    { name: "http", port: 80 },
    { name: "https", port: 443 },
  ]);
  assert.deepEqual(
    fieldSetOf({ spec: { tags: ["x"], selector: { a: "b" } } }, schema).toFieldsV1(),
    {
      "f:spec": { "f:tags": {}, "f:selector": {} },
    },
  );
});

test("a custom resource's create owns f:spec itself ('.'), as upstream's unstructured compare", () => {
  // Upstream compares against an empty unstructured object: every node is new.
  const created = updateManagedFields(
    undefined,
    {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", labels: { app: "w" } },
      spec: { size: 3, ports: [{ name: "http", port: 80 }] },
    },
    { manager: "kubectl-create", apiVersion: "example.com/v1", time: "2026-01-01T00:00:00Z" },
    schema,
  );
  assert.deepEqual(created.metadata?.managedFields?.[0]?.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": {
      ".": {},
      "f:ports": { ".": {}, 'k:{"name":"http"}': { ".": {}, "f:name": {}, "f:port": {} } },
      "f:size": {},
    },
  });
});

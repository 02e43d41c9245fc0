import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults, dropNulls, prune } from "./prune.ts";
import type { JSONSchemaProps } from "./types.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        known: { type: "string" },
        replicas: { type: "integer", default: 1 },
        nested: {
          type: "object",
          default: {},
          properties: { level: { type: "string", default: "info" } },
        },
        items: {
          type: "array",
          items: { type: "object", properties: { a: { type: "string", default: "x" } } },
        },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: {
          type: "object",
          additionalProperties: { type: "object", properties: { v: { type: "string" } } },
        },
        embedded: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          properties: { spec: { type: "object" } },
        },
        nullable: { type: "string", nullable: true },
        notNullable: { type: "string", default: "d" },
      },
    },
  },
};

test("prune drops unknown fields and reports their paths", () => {
  const obj = {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "a" },
    extra: 1,
    spec: {
      known: "k",
      unknown: true,
      items: [{ a: "1", b: 2 }],
      free: { anything: { goes: 1 } },
      labels: { l1: { v: "1", w: 2 } },
      embedded: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {}, junk: 1 },
    },
  };
  const removed = prune(obj, schema);
  assert.deepEqual(removed.sort(), [
    "extra",
    "spec.embedded.junk",
    "spec.items[0].b",
    "spec.labels[l1].w",
    "spec.unknown",
  ]);
  assert.deepEqual(obj.spec.free, { anything: { goes: 1 } });
  assert.deepEqual(obj.metadata, { name: "a" });
  assert.deepEqual(obj.spec.embedded, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {},
  });
});

test("defaults fill absent and null non-nullable fields, nested defaults too", () => {
  const obj: Record<string, any> = { spec: { items: [{}], nullable: null, notNullable: null } }; // eslint-disable-line @typescript-eslint/no-explicit-any
  dropNulls(obj, schema);
  applyDefaults(obj, schema);
  assert.deepEqual(obj.spec, {
    items: [{ a: "x" }],
    nullable: null,
    notNullable: "d",
    replicas: 1,
    nested: { level: "info" },
  });
  const set = { spec: { replicas: 5 } };
  applyDefaults(set, schema);
  assert.equal(set.spec.replicas, 5);
});

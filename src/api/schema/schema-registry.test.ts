import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTypeString, SchemaRegistry, type TypeRef } from "./schema-registry.ts";
import type { SchemaPackage } from "./types.ts";
import { metaV1, runtimeTypes } from "./defs/meta-v1.ts";

const PKG = "io.example.v1";
const example: SchemaPackage = {
  name: PKG,
  types: {
    Widget: {
      gvk: [{ group: "example.io", version: "v1", kind: "Widget" }],
      fields: {
        metadata: [1, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"],
        parts: [2, "[]Part", { patchStrategy: "merge", patchMergeKey: "name" }],
        sizes: [3, "map[Quantity]"],
      },
    },
    Part: { fields: { name: [1, "string"] } },
  },
};

test("parseTypeString resolves every form of type string", () => {
  const cases: [string, TypeRef][] = [
    ["string", { kind: "scalar", name: "string" }],
    ["int64", { kind: "scalar", name: "int64" }],
    ["bytes", { kind: "scalar", name: "bytes" }],
    ["Time", { kind: "special", name: "Time" }],
    ["IntOrString", { kind: "special", name: "IntOrString" }],
    ["Part", { kind: "ref", name: `${PKG}.Part` }],
    ["io.other.v2.Thing", { kind: "ref", name: "io.other.v2.Thing" }],
    ["[]string", { kind: "list", of: { kind: "scalar", name: "string" } }],
    ["map[string]", { kind: "map", of: { kind: "scalar", name: "string" } }],
    [
      "map[[]string]",
      { kind: "map", of: { kind: "list", of: { kind: "scalar", name: "string" } } },
    ],
    ["[]Part", { kind: "list", of: { kind: "ref", name: `${PKG}.Part` } }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseTypeString(PKG, input), want, input);
  assert.throws(() => parseTypeString(PKG, ""), /empty/);
});

test("SchemaRegistry looks up types, kinds and fields", () => {
  const reg = new SchemaRegistry([metaV1, runtimeTypes, example]);
  assert.equal(reg.type(`${PKG}.Part`)?.fields.name?.[0], 1);
  assert.equal(reg.type(`${PKG}.Nope`), undefined);
  assert.equal(reg.typeForKind("example.io", "v1", "Widget"), `${PKG}.Widget`);
  assert.equal(reg.typeForKind("example.io", "v2", "Widget"), undefined);
  assert.equal(reg.typeForKind("", "v1", "Status"), "io.k8s.apimachinery.pkg.apis.meta.v1.Status");
  // Kinds upstream registers in every group version fall back to meta/v1.
  assert.equal(
    reg.typeForKind("example.io", "v1", "DeleteOptions"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
  );
  const parts = reg.field(`${PKG}.Widget`, "parts");
  assert.deepEqual(parts?.type, { kind: "list", of: { kind: "ref", name: `${PKG}.Part` } });
  assert.equal(parts?.spec[2]?.patchMergeKey, "name");
  assert.deepEqual(reg.field(`${PKG}.Widget`, "sizes")?.type, {
    kind: "map",
    of: { kind: "special", name: "Quantity" },
  });
  assert.equal(reg.field(`${PKG}.Widget`, "bogus"), undefined);
  assert.equal(reg.packages().length, 3);
  assert.ok(reg.kinds().some((k) => k.kind === "Widget" && k.type === `${PKG}.Widget`));
  assert.deepEqual(reg.check(), []);
});

test("SchemaRegistry.check reports dangling refs and duplicate numbers", () => {
  const broken: SchemaPackage = {
    name: PKG,
    types: { Bad: { fields: { a: [1, "Missing"], b: [1, "string"], c: [0, "string"] } } },
  };
  const problems = new SchemaRegistry([broken]).check();
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(problems.join("\n"), /unknown type io\.example\.v1\.Missing/);
  assert.match(problems.join("\n"), /number 1 also used by a/);
  assert.match(problems.join("\n"), /invalid protobuf number 0/);
});

test("SchemaRegistry rejects duplicate types and kinds", () => {
  assert.throws(() => new SchemaRegistry([example, example]), /already defined/);
  const twin: SchemaPackage = {
    name: "io.twin.v1",
    types: { W: { gvk: [{ group: "example.io", version: "v1", kind: "Widget" }], fields: {} } },
  };
  assert.throws(() => new SchemaRegistry([example, twin]), /already served/);
});

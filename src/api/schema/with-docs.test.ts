import { test } from "node:test";
import assert from "node:assert/strict";
import { withDocs } from "./with-docs.ts";
import type { SchemaPackage } from "./types.ts";

const pkg: SchemaPackage = {
  name: "io.example.v1",
  types: {
    Thing: {
      fields: {
        size: [1, "int32", { pointer: true }],
        name: [2, "string", { description: "kept as declared" }],
        tags: [3, "[]string"],
      },
    },
  },
};

test("withDocs fills type and field descriptions without touching other options", () => {
  const out = withDocs(pkg, {
    Thing: "A thing.",
    "Thing.size": "How big.",
    "Thing.name": "ignored: the spec has its own",
  });
  const thing = out.types.Thing!;
  assert.equal(thing.description, "A thing.");
  assert.deepEqual(thing.fields.size, [1, "int32", { pointer: true, description: "How big." }]);
  assert.deepEqual(thing.fields.name, [2, "string", { description: "kept as declared" }]);
  assert.deepEqual(thing.fields.tags, [3, "[]string", undefined]);
  assert.equal(pkg.types.Thing!.description, undefined, "input must not be mutated");
});

test("withDocs rejects keys naming unknown types or fields", () => {
  for (const key of ["Thingy", "Thing.sise"]) {
    assert.throws(() => withDocs(pkg, { [key]: "x" }), /Cannot document io\.example\.v1\./);
  }
});

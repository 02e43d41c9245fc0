import assert from "node:assert/strict";
import { test } from "node:test";
import * as imported from "yaml";
import { parseJsonOrYaml, parseYaml, yaml } from "./yaml-on-use.ts";

test("the module loaded on use is the one `import` gives", () => {
  assert.equal(yaml().parse, imported.parse);
  assert.equal(yaml().Document, imported.Document);
});

test("parseYaml parses YAML and JSON; errors are yaml's", () => {
  assert.deepEqual(parseYaml("a: 1\nb: [x, y]\n"), { a: 1, b: ["x", "y"] });
  assert.deepEqual(parseYaml('{"a": {"b": null}}'), { a: { b: null } });
  assert.throws(() => parseYaml("a: 1\na: 2\n"), /unique/);
});

test("parseJsonOrYaml: JSON text, YAML flow style and block style give the same document", () => {
  const want = { kind: "EncryptionConfiguration", resources: [{ resources: ["secrets"] }] };
  assert.deepEqual(parseJsonOrYaml(JSON.stringify(want, null, 2)), want);
  assert.deepEqual(
    parseJsonOrYaml("{kind: EncryptionConfiguration, resources: [{resources: [secrets]}]}"),
    want,
  );
  assert.deepEqual(
    parseJsonOrYaml("kind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n"),
    want,
  );
  assert.deepEqual(parseJsonOrYaml("  [1, 2]"), [1, 2]);
  assert.throws(() => parseJsonOrYaml("{a: [1"));
});

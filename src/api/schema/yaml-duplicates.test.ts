import { test } from "node:test";
import assert from "node:assert/strict";
import { findDuplicateYAMLKeys, yamlDuplicateKeysError } from "./yaml-duplicates.ts";

test("findDuplicateYAMLKeys", async (t) => {
  const cases: { name: string; yaml: string; want: string[] }[] = [
    { name: "none", yaml: "a: 1\nb:\n  a: 2\n", want: [] },
    {
      name: "top level",
      yaml: "kind: Pod\nkind: Pod\n",
      want: ['line 2: key "kind" already set in map'],
    },
    {
      name: "nested in a list",
      yaml: "spec:\n  containers:\n  - name: a\n    image: x\n    name: b\n",
      want: ['line 5: key "name" already set in map'],
    },
    {
      name: "flow mappings",
      yaml: "metadata: {name: a, name: b}\n",
      want: ['line 1: key "name" already set in map'],
    },
    { name: "invalid YAML", yaml: "a: [1\n", want: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(findDuplicateYAMLKeys(c.yaml), c.want));
  }
});

test("yamlDuplicateKeysError formats like the upstream YAML decoder", () => {
  assert.equal(
    yamlDuplicateKeysError([
      'line 5: key "other" already set in map',
      'line 7: key "x" already set in map',
    ]),
    'yaml: unmarshal errors:\n  line 5: key "other" already set in map\n  line 7: key "x" already set in map',
  );
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { Indexer, nodeNameIndex } from "./store.ts";

const pod = (ns: string, name: string, node?: string, rv = "1"): KObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: ns, name, resourceVersion: rv },
    spec: node ? { nodeName: node } : {},
  }) as KObject;

test("Indexer: byIndex follows puts, replacements and removals, returning the current objects", () => {
  const idx = new Indexer();
  idx.addIndex("nodeName", nodeNameIndex);
  idx.put(pod("a", "p1", "n1"));
  idx.put(pod("a", "p2", "n1"));
  idx.put(pod("b", "p3", "n2"));
  const names = (index: string, value: string) =>
    idx.byIndex(index, value).map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`);
  const steps: [string, () => void, [string, string, string[]][]][] = [
    [
      "initial",
      () => {},
      [
        ["namespace", "a", ["p1@1", "p2@1"]],
        ["nodeName", "n1", ["p1@1", "p2@1"]],
        ["nodeName", "n2", ["p3@1"]],
      ],
    ],
    [
      "p1 replaced, moved to n2",
      () => idx.put(pod("a", "p1", "n2", "2")),
      [
        ["namespace", "a", ["p2@1", "p1@2"]],
        ["nodeName", "n1", ["p2@1"]],
        ["nodeName", "n2", ["p3@1", "p1@2"]],
      ],
    ],
    [
      "p2 removed",
      () => idx.remove("a/p2"),
      [
        ["namespace", "a", ["p1@2"]],
        ["nodeName", "n1", []],
        ["nodeName", "nowhere", []],
      ],
    ],
  ];
  for (const [what, step, want] of steps) {
    step();
    for (const [index, value, expected] of want)
      assert.deepEqual(names(index, value), expected, `${what}: ${index}=${value}`);
  }
});

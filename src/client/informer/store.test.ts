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
    idx
      .byIndex(index, value)
      .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
      .sort(); // order unspecified, as upstream's
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
        ["namespace", "a", ["p1@2", "p2@1"]],
        ["nodeName", "n1", ["p2@1"]],
        ["nodeName", "n2", ["p1@2", "p3@1"]],
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

test("Indexer: index values are computed once per put; unchanged ones only swap the object", () => {
  let calls = 0;
  const counted = (o: KObject) => {
    calls++;
    return nodeNameIndex(o);
  };
  const idx = new Indexer();
  idx.put(pod("a", "early", "n1"));
  idx.addIndex("node", counted);
  const steps: { what: string; act: () => void; calls: number; n1: string[]; n2: string[] }[] = [
    { what: "addIndex indexes what is cached", act: () => {}, calls: 1, n1: ["early@1"], n2: [] },
    {
      what: "new pod",
      act: () => idx.put(pod("a", "p", "n1")),
      calls: 1,
      n1: ["early@1", "p@1"],
      n2: [],
    },
    {
      what: "same node: object swapped",
      act: () => idx.put(pod("a", "p", "n1", "2")),
      calls: 1,
      n1: ["early@1", "p@2"],
      n2: [],
    },
    {
      what: "moved",
      act: () => idx.put(pod("a", "p", "n2", "3")),
      calls: 1,
      n1: ["early@1"],
      n2: ["p@3"],
    },
    {
      what: "removed without recomputing",
      act: () => idx.remove("a/p"),
      calls: 0,
      n1: ["early@1"],
      n2: [],
    },
    {
      what: "early moved after addIndex",
      act: () => idx.put(pod("a", "early", "n2", "2")),
      calls: 1,
      n1: [],
      n2: ["early@2"],
    },
  ];
  const at = (node: string) =>
    idx
      .byIndex("node", node)
      .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
      .sort();
  calls = 0;
  idx.addIndex("node-again", () => []); // idempotent per name; unrelated index
  for (const s of steps) {
    const before = calls;
    s.act();
    if (s.what !== steps[0]!.what) assert.equal(calls - before, s.calls, `${s.what}: index calls`);
    assert.deepEqual(at("n1"), s.n1, `${s.what}: n1`);
    assert.deepEqual(at("n2"), s.n2, `${s.what}: n2`);
    assert.equal(idx.countIndexed("node", "n1"), s.n1.length, `${s.what}: count`);
  }
});

test("Indexer: index functions may return frozen or fresh arrays; values that change move the object", () => {
  const label = (o: KObject) =>
    Object.freeze([`${o.metadata?.namespace} app=${o.metadata?.labels?.app ?? ""}`]) as string[];
  const idx = new Indexer({ label });
  const labelled = (name: string, app: string, rv: string) =>
    ({ metadata: { namespace: "a", name, labels: { app }, resourceVersion: rv } }) as KObject;
  for (let i = 0; i < 10; i++) idx.put(labelled(`p${i}`, "web", "1"));
  idx.put(labelled("p0", "web", "2")); // same value: swapped in place
  idx.put(labelled("p1", "db", "2")); // changed value: moved
  assert.equal(idx.countIndexed("label", "a app=web"), 9);
  assert.equal(idx.countIndexed("label", "a app=db"), 1);
  assert.equal(
    idx.byIndex("label", "a app=web").find((o) => o.metadata?.name === "p0")?.metadata
      ?.resourceVersion,
    "2",
  );
  for (let i = 0; i < 10; i++) idx.remove(`a/p${i}`);
  assert.equal(idx.countIndexed("label", "a app=web"), 0);
  assert.equal(idx.countIndexed("label", "a app=db"), 0);
});

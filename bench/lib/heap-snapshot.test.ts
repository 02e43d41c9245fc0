import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dominatorPath,
  dominatorTree,
  fanOutRetainers,
  ownerSummary,
  readHeapGraph,
  selfSizeByName,
  type HeapSnapshotJson,
} from "./heap-snapshot.ts";

/**
 * root → A, root → B; A → C and B → C (C shared: dominated by root);
 * A → D (D only through A); B ⇢ D weak (ignored); E unreachable.
 */
function snapshot(): HeapSnapshotJson {
  const strings = ["(root)", "A", "B", "C", "D", "E", "a", "b", "c", "d", "w"];
  // node fields: type, name, id, self_size, edge_count
  const node = (type: number, name: number, self: number, edges: number) => [
    type,
    name,
    name,
    self,
    edges,
  ];
  const edge = (type: number, name: number, to: number) => [type, name, to * 5];
  return {
    snapshot: {
      meta: {
        node_fields: ["type", "name", "id", "self_size", "edge_count"],
        node_types: [["synthetic", "object", "string"]],
        edge_fields: ["type", "name_or_index", "to_node"],
        edge_types: [["property", "element", "weak"]],
      },
    },
    nodes: [
      ...node(0, 0, 0, 2),
      ...node(1, 1, 10, 2),
      ...node(1, 2, 5, 2),
      ...node(1, 3, 100, 0),
      ...node(2, 4, 50, 0),
      ...node(1, 5, 7, 0),
    ],
    edges: [
      ...edge(0, 6, 1),
      ...edge(0, 7, 2),
      ...edge(0, 8, 3),
      ...edge(1, 0, 4),
      ...edge(0, 8, 3),
      ...edge(2, 10, 4),
    ],
    strings,
  };
}

test("dominators and retained sizes ignore weak edges and unreachable nodes", () => {
  const g = readHeapGraph(snapshot());
  const { idom, retained } = dominatorTree(g);
  assert.deepEqual([...idom], [0, 0, 0, 0, 1, -1]);
  assert.deepEqual([...retained], [165, 60, 5, 100, 50, 0]);
  assert.equal(dominatorPath(g, idom, 4), "(synthetic) (root).a > A.[0]");
});

test("fan-out retainers and self sizes by name", () => {
  const g = readHeapGraph(snapshot());
  const tree = dominatorTree(g);
  // A (60) is mostly D (50 > 30): not a fan-out point; C and D are leaves.
  const top = fanOutRetainers(g, tree, 0.01).map((r) => [r.label, r.retained]);
  assert.deepEqual(top, [
    ["C", 100],
    ["(string) D", 50],
    ["B", 5],
  ]);
  assert.deepEqual(
    selfSizeByName(g, 2).map((r) => [r.name, r.count, r.bytes]),
    [
      ["C", 1, 100],
      ["(string)", 1, 50],
    ],
  );
});

test("memory by owning class instance and field", () => {
  // root → Cache (named class) .items → Map → 2 entries; root → Object → string.
  const strings = ["", "Cache", "Map", "Object", "s", "items", "x", "e", "k", "o"];
  const node = (type: number, name: number, self: number, edges: number) => [
    type,
    name,
    0,
    self,
    edges,
  ];
  const edge = (name: number, to: number) => [0, name, to * 5];
  const g = readHeapGraph({
    snapshot: {
      meta: {
        node_fields: ["type", "name", "id", "self_size", "edge_count"],
        node_types: [["synthetic", "object", "string"]],
        edge_fields: ["type", "name_or_index", "to_node"],
        edge_types: [["property"]],
      },
    },
    nodes: [
      ...node(0, 0, 0, 2),
      ...node(1, 1, 8, 1),
      ...node(1, 2, 16, 2),
      ...node(1, 3, 32, 0),
      ...node(1, 3, 32, 0),
      ...node(1, 3, 4, 1),
      ...node(2, 4, 64, 0),
    ],
    edges: [
      ...edge(8, 1),
      ...edge(9, 5),
      ...edge(5, 2),
      ...edge(7, 3),
      ...edge(7, 4),
      ...edge(6, 6),
    ],
    strings,
  });
  const rows = ownerSummary(g, dominatorTree(g).idom).map((r) => [r.owner, r.count, r.bytes]);
  assert.deepEqual(rows, [
    ["Cache.items", 3, 80],
    ["(no owner)", 4, 76],
  ]);
});

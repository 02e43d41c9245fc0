import { test } from "node:test";
import assert from "node:assert/strict";
import { compareForDeletion, type Pod } from "./pods.ts";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    ready?: boolean;
    readySince?: number;
    restarts?: number;
    created?: number;
  } = {},
): Pod {
  return {
    metadata: { name, uid: name, creationTimestamp: at(o.created ?? 0) },
    spec: { nodeName: o.node, containers: [] },
    status: {
      phase: o.phase ?? "Running",
      conditions: [
        {
          type: "Ready",
          status: o.ready === false ? "False" : "True",
          lastTransitionTime: at(o.readySince ?? 0),
        },
      ],
      containerStatuses: [{ name: "c", restartCount: o.restarts ?? 0 }],
    },
  } as unknown as Pod;
}

test("pods to delete first come first, as upstream ActivePodsWithRanks", () => {
  const cases: [string, Pod, Pod, Record<string, number>?][] = [
    // [reason, deleted first, deleted later, pods sharing a node]
    ["unassigned before assigned", pod("a"), pod("b", { node: "n1" })],
    ["pending before running", pod("a", { node: "n", phase: "Pending" }), pod("b", { node: "n" })],
    ["unknown before running", pod("a", { node: "n", phase: "Unknown" }), pod("b", { node: "n" })],
    ["not ready before ready", pod("a", { node: "n", ready: false }), pod("b", { node: "n" })],
    [
      "more pods on its node first",
      pod("a", { node: "n1" }),
      pod("b", { node: "n2" }),
      { a: 3, b: 1 },
    ],
    [
      "ready for less time first",
      pod("a", { node: "n", readySince: 50 }),
      pod("b", { node: "n", readySince: 10 }),
    ],
    [
      "more restarts first",
      pod("a", { node: "n", restarts: 4 }),
      pod("b", { node: "n", restarts: 1 }),
    ],
    ["newer first", pod("a", { node: "n", created: 20 }), pod("b", { node: "n", created: 5 })],
  ];
  for (const [reason, first, later, shared] of cases) {
    const rank = new Map(Object.entries(shared ?? {}));
    assert.ok(compareForDeletion(first, later, rank) < 0, reason);
    assert.ok(compareForDeletion(later, first, rank) > 0, `${reason} (reversed)`);
  }
  assert.equal(compareForDeletion(pod("a", { node: "n" }), pod("b", { node: "n" }), new Map()), 0);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { podsRef } from "../../client/resources.ts";
import { OwnershipGraph } from "./graph.ts";

const pod = (rv: string, owners: string[], deleting = false): KObject => ({
  metadata: {
    name: "p",
    namespace: "ns",
    uid: "pod-uid",
    resourceVersion: rv,
    ownerReferences: owners.map((uid) => ({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: uid,
      uid,
    })),
    ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
});

test("OwnershipGraph: dependents follow owner changes; status-only updates keep the links; none left behind", () => {
  const g = new OwnershipGraph();
  const deps = (owner: string) => g.dependentsOf(owner).map((n) => n.uid);
  const steps: {
    what: string;
    act: () => void;
    a: string[];
    b: string[];
    owners: number;
    deleting?: boolean;
  }[] = [
    {
      what: "owned by a",
      act: () => g.upsert(pod("1", ["a"]), podsRef, "Pod", "v1"),
      a: ["pod-uid"],
      b: [],
      owners: 1,
    },
    {
      what: "status update",
      act: () => g.upsert(pod("2", ["a"]), podsRef, "Pod", "v1"),
      a: ["pod-uid"],
      b: [],
      owners: 1,
    },
    {
      what: "terminating",
      act: () => g.upsert(pod("3", ["a"], true), podsRef, "Pod", "v1"),
      a: ["pod-uid"],
      b: [],
      owners: 1,
      deleting: true,
    },
    {
      what: "owner a -> b",
      act: () => g.upsert(pod("4", ["b"]), podsRef, "Pod", "v1"),
      a: [],
      b: ["pod-uid"],
      owners: 1,
    },
    {
      what: "both",
      act: () => g.upsert(pod("5", ["a", "b"]), podsRef, "Pod", "v1"),
      a: ["pod-uid"],
      b: ["pod-uid"],
      owners: 2,
    },
    {
      what: "orphaned",
      act: () => g.upsert(pod("6", []), podsRef, "Pod", "v1"),
      a: [],
      b: [],
      owners: 0,
    },
    {
      what: "owned again, removed",
      act: () => (g.upsert(pod("7", ["a"]), podsRef, "Pod", "v1"), g.remove("pod-uid")),
      a: [],
      b: [],
      owners: 0,
    },
  ];
  for (const s of steps) {
    s.act();
    assert.deepEqual(deps("a"), s.a, `${s.what}: a`);
    assert.deepEqual(deps("b"), s.b, `${s.what}: b`);
    assert.equal(g.ownersWithDependents, s.owners, `${s.what}: owners with dependents`);
    const node = g.get("pod-uid");
    if (node) {
      assert.equal(node.deleting, s.deleting ?? false, `${s.what}: deleting`);
      assert.equal(node.kind, "Pod");
      assert.equal(node.apiVersion, "v1");
      assert.equal(node.ref, podsRef);
    }
  }
  assert.equal(g.get("pod-uid"), undefined);
});

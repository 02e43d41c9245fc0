import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { Indexer } from "../../client/informer/store.ts";
import { addControllerUIDIndex, ownedAndOrphans } from "./controller-uid-index.ts";

function pod(ns: string, name: string, owner?: string, controller = true): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: ns,
      name,
      ownerReferences: owner
        ? [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: owner,
              uid: `uid-${owner}`,
              controller,
            },
          ]
        : undefined,
    },
  };
}

test("ownedAndOrphans: the owner's objects of its namespace, then that namespace's orphans", () => {
  const idx = new Indexer();
  for (const p of [
    pod("a", "own1", "rs1"),
    pod("a", "other", "rs2"),
    pod("a", "orphan"),
    pod("a", "not-controller", "rs1", false),
    pod("b", "orphan-b"),
    pod("b", "own-b", "rs1"),
  ])
    idx.put(p);
  // Added after the objects: they are indexed too.
  addControllerUIDIndex(idx);
  addControllerUIDIndex(idx); // idempotent
  idx.put(pod("a", "own2", "rs1"));
  const names = (ns: string, uid: string) =>
    ownedAndOrphans(idx, ns, uid).map((o) => o.metadata?.name);
  const cases: [string, string, (string | undefined)[]][] = [
    ["a", "uid-rs1", ["own1", "own2", "orphan", "not-controller"]],
    ["a", "uid-rs2", ["other", "orphan", "not-controller"]],
    ["b", "uid-rs1", ["own-b", "orphan-b"]],
    ["a", "", ["orphan", "not-controller"]],
    ["c", "uid-rs1", []],
  ];
  for (const [ns, uid, want] of cases) assert.deepEqual(names(ns, uid), want, `${ns} ${uid}`);
  // Adoption moves an orphan under its owner; release moves it back.
  idx.put(pod("a", "orphan", "rs2"));
  assert.deepEqual(names("a", "uid-rs2"), ["other", "orphan", "not-controller"]);
  assert.deepEqual(names("a", ""), ["not-controller"]);
  idx.remove("a/orphan");
  assert.deepEqual(names("a", "uid-rs2"), ["other", "not-controller"]);
});

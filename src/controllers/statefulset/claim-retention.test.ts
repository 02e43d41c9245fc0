import { test } from "node:test";
import assert from "node:assert/strict";
import type { OwnerReference } from "../../api/types.ts";
import { claimOwnerRefs, sameOwnerRefs, type RetentionPolicy } from "./claim-retention.ts";

const set = { metadata: { name: "web", uid: "set-uid" } };
const pod = { metadata: { name: "web-3", uid: "pod-uid" } };
const other: OwnerReference = { apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "other" };
const setRef = (r: OwnerReference[]) => r.some((o) => o.uid === "set-uid" && o.controller);
const podRef = (r: OwnerReference[]) => r.some((o) => o.uid === "pod-uid" && o.kind === "Pod");

test("claim owner references follow persistentVolumeClaimRetentionPolicy", () => {
  const cases: [string, RetentionPolicy | undefined, boolean, boolean, boolean][] = [
    // name, policy, condemned, wants set ref, wants pod ref
    ["default retains", undefined, true, false, false],
    ["Retain/Retain", { whenDeleted: "Retain", whenScaled: "Retain" }, true, false, false],
    ["whenDeleted Delete", { whenDeleted: "Delete" }, false, true, false],
    ["whenDeleted Delete, condemned", { whenDeleted: "Delete" }, true, true, false],
    ["whenScaled Delete, in range", { whenScaled: "Delete" }, false, false, false],
    ["whenScaled Delete, condemned", { whenScaled: "Delete" }, true, false, true],
    ["both Delete, condemned", { whenDeleted: "Delete", whenScaled: "Delete" }, true, false, true],
    ["both Delete, in range", { whenDeleted: "Delete", whenScaled: "Delete" }, false, true, false],
  ];
  for (const [name, policy, condemned, wantSet, wantPod] of cases) {
    const refs = claimOwnerRefs({ current: [other], policy, set, pod, condemned });
    assert.equal(setRef(refs), wantSet, name);
    assert.equal(podRef(refs), wantPod, name);
    assert.ok(refs.includes(other), `${name}: foreign references are kept`);
  }
});

test("a policy changed back to Retain removes the references it added", () => {
  const both = claimOwnerRefs({
    current: [],
    policy: { whenDeleted: "Delete", whenScaled: "Delete" },
    set,
    pod,
    condemned: true,
  });
  const none = claimOwnerRefs({ current: both, policy: undefined, set, pod, condemned: true });
  assert.deepEqual(none, []);
  assert.ok(sameOwnerRefs(both, [...both].reverse()));
  assert.ok(!sameOwnerRefs(both, none));
});

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  leasePrinter,
  podDisruptionBudgetPrinter,
  priorityClassPrinter,
  roleBindingPrinter,
  runtimeClassPrinter,
} from "./cluster-printers.ts";
import { headers, meta, rowOf } from "./testing.ts";

test("poddisruptionbudgets", () => {
  assert.deepEqual(headers(podDisruptionBudgetPrinter), [
    "Name:0",
    "Min Available:0",
    "Max Unavailable:0",
    "Allowed Disruptions:0",
    "Age:0",
  ]);
  const pdb = {
    metadata: meta("web"),
    spec: { minAvailable: 2 },
    status: { disruptionsAllowed: 1 },
  };
  assert.deepEqual(rowOf(podDisruptionBudgetPrinter, pdb), ["web", "2", "N/A", 1, "5m"]);
  const pct = { metadata: meta("p"), spec: { maxUnavailable: "25%" } };
  assert.deepEqual(rowOf(podDisruptionBudgetPrinter, pct), ["p", "N/A", "25%", 0, "5m"]);
});

test("leases, priorityclasses, runtimeclasses", () => {
  assert.deepEqual(headers(leasePrinter), ["Name:0", "Holder:0", "Age:0"]);
  assert.deepEqual(rowOf(leasePrinter, { metadata: meta("n1"), spec: { holderIdentity: "n1" } }), [
    "n1",
    "n1",
    "5m",
  ]);
  assert.deepEqual(rowOf(leasePrinter, { metadata: meta("free"), spec: {} }), ["free", "", "5m"]);

  assert.deepEqual(headers(priorityClassPrinter), [
    "Name:0",
    "Value:0",
    "Global-Default:0",
    "Age:0",
    "PreemptionPolicy:0",
  ]);
  const pc = {
    metadata: meta("system-node-critical"),
    value: 2000001000,
    preemptionPolicy: "PreemptLowerPriority",
  };
  assert.deepEqual(rowOf(priorityClassPrinter, pc), [
    "system-node-critical",
    2000001000,
    false,
    "5m",
    "PreemptLowerPriority",
  ]);
  assert.deepEqual(headers(runtimeClassPrinter), ["Name:0", "Handler:0", "Age:0"]);
  assert.deepEqual(rowOf(runtimeClassPrinter, { metadata: meta("runc"), handler: "runc" }), [
    "runc",
    "runc",
    "5m",
  ]);
});

test("role and cluster role bindings: ROLE | USERS GROUPS SERVICEACCOUNTS", () => {
  const want = ["Name:0", "Role:0", "Age:0", "Users:1", "Groups:1", "ServiceAccounts:1"];
  assert.deepEqual(headers(roleBindingPrinter), want);
  assert.deepEqual(headers(clusterRoleBindingPrinter), want);
  assert.equal(
    clusterRoleBindingPrinter.columns[3]!.description,
    "Users in the clusterRoleBinding",
  );
  const rb = {
    metadata: meta("admins"),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [
      { kind: "User", name: "alice" },
      { kind: "User", name: "bob" },
      { kind: "Group", name: "ops" },
      { kind: "ServiceAccount", name: "ci", namespace: "tools" },
    ],
  };
  assert.deepEqual(rowOf(roleBindingPrinter, rb), [
    "admins",
    "ClusterRole/admin",
    "5m",
    "alice, bob",
    "ops",
    "tools/ci",
  ]);
});

test("certificatesigningrequests: AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION", () => {
  assert.deepEqual(headers(certificateSigningRequestPrinter), [
    "Name:0",
    "Age:0",
    "SignerName:0",
    "Requestor:0",
    "RequestedDuration:0",
    "Condition:0",
  ]);
  const csr = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
    metadata: meta("csr-1"),
    spec: { signerName: "kubernetes.io/kube-apiserver-client", username: "alice", ...spec },
    status,
  });
  assert.deepEqual(rowOf(certificateSigningRequestPrinter, csr({}, { expirationSeconds: 86400 })), [
    "csr-1",
    "5m",
    "kubernetes.io/kube-apiserver-client",
    "alice",
    "24h",
    "Pending",
  ]);
  const cases: [Record<string, unknown>, string][] = [
    [{ conditions: [{ type: "Approved" }] }, "Approved"],
    [{ conditions: [{ type: "Approved" }], certificate: "LS0t" }, "Approved,Issued"],
    [{ conditions: [{ type: "Approved" }, { type: "Denied" }] }, "Denied"],
    [{ conditions: [{ type: "Approved" }, { type: "Failed" }] }, "Approved,Failed"],
  ];
  for (const [status, want] of cases) {
    assert.equal(rowOf(certificateSigningRequestPrinter, csr(status))[5], want);
  }
  const bare = { metadata: meta("b"), spec: { username: "u" } };
  assert.deepEqual(rowOf(certificateSigningRequestPrinter, bare).slice(2, 5), [
    "<none>",
    "u",
    "<none>",
  ]);
});

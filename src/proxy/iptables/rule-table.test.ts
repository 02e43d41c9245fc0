import { test } from "node:test";
import assert from "node:assert/strict";
import { RuleTable } from "./rule-table.ts";

test("render: chain declarations in descending order, then rules in order, deletes, COMMIT", () => {
  const t = new RuleTable();
  for (const c of ["KUBE-SEP-B", "KUBE-SVC-A", "KUBE-SEP-A", "KUBE-SERVICES"]) t.chain(c);
  t.add("KUBE-SERVICES", "-j KUBE-SVC-A");
  t.reuse(["-A KUBE-SERVICES -j KUBE-SVC-Z"]);
  t.add("KUBE-SVC-A", "-j KUBE-SEP-A");
  t.deletes.push("-X KUBE-SEP-OLD");
  assert.deepEqual(t.render("nat").split("\n"), [
    "*nat",
    ":KUBE-SVC-A - [0:0]",
    ":KUBE-SERVICES - [0:0]",
    ":KUBE-SEP-B - [0:0]",
    ":KUBE-SEP-A - [0:0]",
    "-A KUBE-SERVICES -j KUBE-SVC-A",
    "-A KUBE-SERVICES -j KUBE-SVC-Z",
    "-A KUBE-SVC-A -j KUBE-SEP-A",
    "-X KUBE-SEP-OLD",
    "COMMIT",
    "",
  ]);
  assert.equal(t.ruleCount(), 3);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { restoreSection } from "./restore-section.ts";

test("restoreSection: declarations descending, then rule lines in order, deletions, COMMIT", () => {
  const cases: { name: string; parts: Parameters<typeof restoreSection>[1]; want: string[] }[] = [
    {
      name: "all parts",
      parts: {
        chains: ["KUBE-SEP-B", "KUBE-SVC-A", "KUBE-SEP-A", "KUBE-SERVICES"],
        lines: [
          ["-A KUBE-SERVICES -j KUBE-SVC-A"],
          [],
          ["-A KUBE-SVC-A -j KUBE-SEP-A", "-D KUBE-SERVICES -j X"],
        ],
        deletes: ["KUBE-SEP-OLD"],
      },
      want: [
        "*nat",
        ":KUBE-SVC-A - [0:0]",
        ":KUBE-SERVICES - [0:0]",
        ":KUBE-SEP-B - [0:0]",
        ":KUBE-SEP-A - [0:0]",
        "-A KUBE-SERVICES -j KUBE-SVC-A",
        "-A KUBE-SVC-A -j KUBE-SEP-A",
        "-D KUBE-SERVICES -j X",
        "-X KUBE-SEP-OLD",
        "COMMIT",
        "",
      ],
    },
    {
      name: "deletions only",
      parts: { deletes: ["KUBE-SEP-X"] },
      want: ["*nat", "-X KUBE-SEP-X", "COMMIT", ""],
    },
  ];
  for (const c of cases)
    assert.deepEqual(restoreSection("nat", c.parts).split("\n"), c.want, c.name);
});

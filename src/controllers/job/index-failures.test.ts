import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "../util/pods.ts";
import {
  countsAfter,
  failedIndexesOutcome,
  indexFailureCounts,
  isIndexFailed,
} from "./index-failures.ts";
import type { PodFailurePolicyRule } from "./job-policies.ts";

const rules: PodFailurePolicyRule[] = [
  { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
  { action: "FailIndex", onExitCodes: { operator: "In", values: [42] } },
];

function pod(
  index: number,
  phase: string,
  opts: { failed?: number; ignored?: number; exitCode?: number; disrupted?: boolean } = {},
): Pod {
  return {
    metadata: {
      name: `p${index}`,
      annotations: {
        "batch.kubernetes.io/job-completion-index": String(index),
        ...(opts.failed !== undefined
          ? { "batch.kubernetes.io/job-index-failure-count": String(opts.failed) }
          : {}),
        ...(opts.ignored !== undefined
          ? { "batch.kubernetes.io/job-index-ignored-failure-count": String(opts.ignored) }
          : {}),
      },
    },
    status: {
      phase,
      conditions: opts.disrupted ? [{ type: "DisruptionTarget", status: "True" }] : [],
      containerStatuses: [
        { name: "main", state: { terminated: { exitCode: opts.exitCode ?? 1 } } },
      ] as never,
    },
  };
}

test("countsAfter: a failure adds to the index's count, an ignored one to the ignored count", () => {
  const rows: [string, Pod, { failed: number; ignored: number }][] = [
    ["first failure", pod(0, "Failed"), { failed: 1, ignored: 0 }],
    ["third failure", pod(0, "Failed", { failed: 2 }), { failed: 3, ignored: 0 }],
    ["ignored", pod(0, "Failed", { failed: 1, disrupted: true }), { failed: 1, ignored: 1 }],
    ["running", pod(0, "Running", { failed: 2, ignored: 1 }), { failed: 2, ignored: 1 }],
    ["succeeded", pod(0, "Succeeded", { failed: 1 }), { failed: 1, ignored: 0 }],
  ];
  for (const [what, p, want] of rows) assert.deepEqual(countsAfter(p, rules), want, what);
});

test("indexFailureCounts takes each index's most failed pod", () => {
  const counts = indexFailureCounts(
    [
      pod(0, "Failed"),
      pod(0, "Failed", { failed: 1 }),
      pod(0, "Running", { failed: 2 }),
      pod(1, "Failed", { disrupted: true }),
      pod(2, "Running"),
    ],
    rules,
  );
  assert.deepEqual(
    [...counts].sort(([a], [b]) => a - b),
    [
      [0, { failed: 2, ignored: 0 }],
      [1, { failed: 0, ignored: 1 }],
      [2, { failed: 0, ignored: 0 }],
    ],
  );
});

test("isIndexFailed: past backoffLimitPerIndex, or at once by FailIndex; never by Ignore", () => {
  const rows: [string, Pod, number, boolean][] = [
    ["first failure, limit 1", pod(0, "Failed"), 1, false],
    ["second failure, limit 1", pod(0, "Failed", { failed: 1 }), 1, true],
    ["first failure, limit 0", pod(0, "Failed"), 0, true],
    ["FailIndex rule", pod(0, "Failed", { exitCode: 42 }), 5, true],
    ["Ignore rule", pod(0, "Failed", { failed: 9, disrupted: true }), 1, false],
    ["not failed", pod(0, "Succeeded", { failed: 9 }), 1, false],
  ];
  for (const [what, p, limit, want] of rows)
    assert.equal(isIndexFailed(p, limit, rules), want, what);
});

test("failedIndexesOutcome: MaxFailedIndexesExceeded first, then FailedIndexes once all are done", () => {
  const rows: [string, Parameters<typeof failedIndexesOutcome>[0], string | undefined][] = [
    ["nothing failed", { failed: [], completed: [0, 1], completions: 3 }, undefined],
    ["one failed, others pending", { failed: [1], completed: [0], completions: 3 }, undefined],
    ["one failed, all done", { failed: [1], completed: [0, 2], completions: 3 }, "FailedIndexes"],
    [
      "more than maxFailedIndexes",
      { failed: [1, 2], completed: [], completions: 5, maxFailedIndexes: 1 },
      "MaxFailedIndexesExceeded",
    ],
    [
      "exactly maxFailedIndexes",
      { failed: [1], completed: [], completions: 5, maxFailedIndexes: 1 },
      undefined,
    ],
  ];
  for (const [what, args, reason] of rows)
    assert.equal(failedIndexesOutcome(args)?.reason, reason, what);
});

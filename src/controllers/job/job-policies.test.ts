import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "../util/pods.ts";
import {
  matchPodFailurePolicy,
  matchSuccessPolicy,
  type PodFailurePolicyRule,
} from "./job-policies.ts";

const failed = (exit: Record<string, number>, conditions: [string, string][] = []): Pod =>
  ({
    metadata: { name: "p", namespace: "ns" },
    status: {
      phase: "Failed",
      containerStatuses: Object.entries(exit).map(([name, exitCode]) => ({
        name,
        state: { terminated: { exitCode } },
      })),
      conditions: conditions.map(([type, status]) => ({ type, status })),
    },
  }) as Pod;

const rules: PodFailurePolicyRule[] = [
  { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
  { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
  { action: "Count", onExitCodes: { operator: "NotIn", values: [1, 2] } },
];

test("the first matching podFailurePolicy rule decides, with upstream's message", () => {
  const cases: [string, Pod, string | undefined, string | undefined][] = [
    [
      "condition",
      failed({ main: 1 }, [["DisruptionTarget", "True"]]),
      "Ignore",
      "Pod ns/p has condition DisruptionTarget matching Ignore rule at index 0",
    ],
    [
      "condition False does not match",
      failed({ main: 1 }, [["DisruptionTarget", "False"]]),
      undefined,
      undefined,
    ],
    [
      "exit code In",
      failed({ main: 42 }),
      "FailJob",
      "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1",
    ],
    [
      "other container's 42 falls to NotIn",
      failed({ side: 42 }),
      "Count",
      "Container side for pod ns/p failed with exit code 42 matching Count rule at index 2",
    ],
    ["NotIn excludes listed codes", failed({ main: 2 }), undefined, undefined],
    ["exit 0 never matches", failed({ main: 0 }), undefined, undefined],
  ];
  for (const [name, pod, action, message] of cases) {
    const m = matchPodFailurePolicy(rules, pod);
    assert.equal(m?.action, action, name);
    assert.equal(m?.message, message, name);
  }
  assert.equal(matchPodFailurePolicy(undefined, failed({ main: 42 })), undefined);
});

test("successPolicy rules over completed indexes", () => {
  const cases: [
    string,
    { succeededIndexes?: string; succeededCount?: number }[],
    string,
    number | undefined,
  ][] = [
    ["all listed indexes", [{ succeededIndexes: "0,2-3" }], "0,2-3", 0],
    ["a listed index missing", [{ succeededIndexes: "0,2-3" }], "0,2", undefined],
    ["count within listed", [{ succeededIndexes: "0-4", succeededCount: 2 }], "1,3,7", 0],
    ["count alone", [{ succeededCount: 3 }], "1,3,7", 0],
    ["second rule", [{ succeededCount: 5 }, { succeededIndexes: "7" }], "1,3,7", 1],
    ["none", [{ succeededCount: 5 }], "1,3,7", undefined],
  ];
  for (const [name, r, done, want] of cases) assert.equal(matchSuccessPolicy(r, done), want, name);
});

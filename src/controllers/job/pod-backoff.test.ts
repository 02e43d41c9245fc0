import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "../util/pods.ts";
import {
  backoffDelay,
  lastFailedPodPerIndex,
  podFinishedTime,
  remainingIndexBackoff,
} from "./pod-backoff.ts";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const ms = (s: number) => Date.parse(t(s));

function pod(opts: {
  index?: number;
  failed?: number;
  ignored?: number;
  phase?: string;
  finished?: (number | undefined)[];
  readyFalseAt?: number;
  deletedAt?: number;
  grace?: number;
}): Pod {
  const annotations: Record<string, string> = {};
  if (opts.index !== undefined)
    annotations["batch.kubernetes.io/job-completion-index"] = String(opts.index);
  if (opts.failed !== undefined)
    annotations["batch.kubernetes.io/job-index-failure-count"] = String(opts.failed);
  if (opts.ignored !== undefined)
    annotations["batch.kubernetes.io/job-index-ignored-failure-count"] = String(opts.ignored);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      annotations,
      creationTimestamp: t(1),
      deletionTimestamp: opts.deletedAt === undefined ? undefined : t(opts.deletedAt),
      deletionGracePeriodSeconds: opts.grace,
    },
    status: {
      phase: opts.phase ?? "Failed",
      conditions:
        opts.readyFalseAt === undefined
          ? []
          : [{ type: "Ready", status: "False", lastTransitionTime: t(opts.readyFalseAt) }],
      containerStatuses: (opts.finished ?? []).map((f) =>
        f === undefined
          ? { state: { running: {} } }
          : { state: { terminated: { finishedAt: t(f) } } },
      ),
    },
  } as Pod;
}

test("podFinishedTime follows upstream's order of evidence", () => {
  const cases: [string, Pod, number][] = [
    ["latest container finish", pod({ finished: [10, 30, 20], readyFalseAt: 5 }), ms(30)],
    [
      "a container still running: Ready=False",
      pod({ finished: [10, undefined], readyFalseAt: 5 }),
      ms(5),
    ],
    ["deletion less grace", pod({ deletedAt: 50, grace: 30 }), ms(20)],
    ["creation at the last", pod({}), ms(1)],
  ];
  for (const [what, p, want] of cases) assert.equal(podFinishedTime(p), want, what);
});

test("backoffDelay doubles from 10 s up to 6 minutes", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 20].map(backoffDelay),
    [0, 10_000, 20_000, 40_000, 320_000, 360_000, 360_000],
  );
});

test("lastFailedPodPerIndex: per index, the failed pod with the most failures (failed + ignored)", () => {
  const last = lastFailedPodPerIndex(
    [
      pod({ index: 0, failed: 0, finished: [10] }),
      pod({ index: 0, failed: 1, finished: [40] }),
      pod({ index: 0, failed: 2, phase: "Running", finished: [undefined] }),
      pod({ index: 1, failed: 0, ignored: 2, finished: [15] }),
      pod({ index: 2, phase: "Succeeded", finished: [9] }),
      pod({ failed: 4, finished: [9] }),
    ],
    undefined,
  );
  assert.deepEqual([...last].map(([i, x]) => [i, x.failures, x.finishedAt]).sort(), [
    [0, 2, ms(40)],
    [1, 3, ms(15)],
  ]);
  assert.equal(remainingIndexBackoff(last.get(0), ms(40) + 5_000), 15_000, "2 failures: 20 s");
  assert.equal(remainingIndexBackoff(last.get(1), ms(15) + 50_000), 0, "3 failures: 40 s, over");
  assert.equal(remainingIndexBackoff(undefined, 0), 0);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../../client/clock.ts";
import { ControllerExpectations } from "./expectations.ts";

type Step =
  | { expect: [number, number] }
  | { expectDeletions: string[] }
  | { created: true }
  | { deleted: string | undefined }
  | { advanceMs: number };

test("expectations: counted and UID-tracked deletions", async (t) => {
  const cases: { name: string; steps: Step[]; satisfied: boolean }[] = [
    { name: "nothing recorded", steps: [], satisfied: true },
    {
      name: "counted: every deletion counts",
      steps: [{ expect: [0, 2] }, { deleted: "a" }, { deleted: "a" }],
      satisfied: true,
    },
    {
      name: "counted: creations outstanding",
      steps: [{ expect: [2, 0] }, { created: true }],
      satisfied: false,
    },
    {
      name: "by UID: the same pod seen terminating and then gone counts once",
      steps: [{ expectDeletions: ["a", "b"] }, { deleted: "a" }, { deleted: "a" }],
      satisfied: false,
    },
    {
      name: "by UID: both expected pods seen",
      steps: [{ expectDeletions: ["a", "b"] }, { deleted: "b" }, { deleted: "a" }],
      satisfied: true,
    },
    {
      name: "by UID: a pod not expected (an earlier round's) does not count",
      steps: [{ expectDeletions: ["b"] }, { deleted: "a" }, { deleted: undefined }],
      satisfied: false,
    },
    {
      name: "by UID: a new round replaces the old one",
      steps: [{ expectDeletions: ["a"] }, { expectDeletions: ["b"] }, { deleted: "a" }],
      satisfied: false,
    },
    {
      name: "stale after five minutes",
      steps: [{ expectDeletions: ["a"] }, { advanceMs: 5 * 60 * 1000 + 1 }],
      satisfied: true,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const clock = new FakeClock();
      const e = new ControllerExpectations(clock);
      for (const s of c.steps) {
        if ("expect" in s) e.expect("k", ...s.expect);
        else if ("expectDeletions" in s) e.expectDeletions("k", s.expectDeletions);
        else if ("created" in s) e.creationObserved("k");
        else if ("deleted" in s) e.deletionObserved("k", s.deleted);
        else clock.advance(s.advanceMs);
      }
      assert.equal(e.satisfied("k"), c.satisfied);
      e.forget("k");
      assert.equal(e.satisfied("k"), true, "forgotten");
    });
  }
});

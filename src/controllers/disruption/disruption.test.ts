import { test } from "node:test";
import assert from "node:assert/strict";
import { budget } from "./disruption.ts";

test("budgets follow minAvailable and maxUnavailable as upstream", () => {
  const cases: [Parameters<typeof budget>[0], number, number, number, number][] = [
    [{ minAvailable: 2 }, 3, 3, 2, 1],
    [{ minAvailable: 2 }, 3, 2, 2, 0],
    [{ minAvailable: "50%" }, 3, 3, 2, 1],
    [{ maxUnavailable: 1 }, 3, 3, 2, 1],
    [{ maxUnavailable: "34%" }, 3, 3, 1, 2],
    [{}, 2, 2, 1, 1],
  ];
  for (const [spec, expected, healthy, desired, allowed] of cases) {
    assert.deepEqual(budget(spec, expected, healthy), { desired, allowed }, JSON.stringify(spec));
  }
});

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { loadCel } from "../../../cel/lazy.ts";
import { OUT_OF_BUDGET, WEBHOOK_VARIABLES, evaluateConditions } from "./match-conditions.ts";

before(() => loadCel());

test("a webhook's matchConditions share one runtime cost budget", () => {
  const conditions = [
    { name: "first", expression: "[1, 2, 3].all(x, x > 0)" },
    { name: "second", expression: "object.metadata.name.startsWith('a')" },
  ];
  const bindings = { object: { metadata: { name: "abc" } }, oldObject: null, request: {} };
  assert.deepEqual(evaluateConditions(conditions, WEBHOOK_VARIABLES, bindings), { matched: true });
  assert.deepEqual(evaluateConditions(conditions, WEBHOOK_VARIABLES, bindings, 1), {
    error: OUT_OF_BUDGET,
  });
});

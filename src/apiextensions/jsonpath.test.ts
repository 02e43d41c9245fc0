import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateJSONPath, parseJSONPath } from "./jsonpath.ts";

test("JSONPath subset used by printer columns", () => {
  const obj = {
    metadata: { name: "a", labels: { "app.kubernetes.io/name": "web" } },
    spec: { replicas: 3, items: [{ n: 1 }, { n: 2 }] },
    status: {
      conditions: [
        { type: "Ready", status: "True" },
        { type: "Synced", status: "False" },
      ],
    },
  };
  const cases: [string, unknown[]][] = [
    [".spec.replicas", [3]],
    ["{.spec.replicas}", [3]],
    [".spec.items[1].n", [2]],
    [".spec.items[-1].n", [2]],
    [".spec.items[*].n", [1, 2]],
    [".metadata.labels['app.kubernetes.io/name']", ["web"]],
    ['.status.conditions[?(@.type=="Ready")].status', ["True"]],
    [".status.conditions[?(@.status!='True')].type", ["Synced"]],
    [".spec.missing", []],
  ];
  for (const [expr, want] of cases)
    assert.deepEqual(evaluateJSONPath(parseJSONPath(expr), obj), want, expr);
  assert.throws(() => parseJSONPath(".spec[unclosed"), /Cannot parse JSONPath/);
});

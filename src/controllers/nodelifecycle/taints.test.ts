import { test } from "node:test";
import assert from "node:assert/strict";
import { evictionDelayMs, tolerates, type Taint } from "./taints.ts";

const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };

test("toleration matching by operator, key, value and effect", () => {
  assert.equal(
    tolerates(
      { key: "app", operator: "Equal", value: "blue", effect: "NoSchedule" },
      { key: "app", value: "blue", effect: "NoSchedule" },
    ),
    true,
  );
  assert.equal(
    tolerates(
      { key: "app", operator: "Equal", value: "red" },
      { key: "app", value: "blue", effect: "NoSchedule" },
    ),
    false,
  );
  assert.equal(
    tolerates({ operator: "Exists" }, unreachable),
    true,
    "empty key with Exists tolerates everything",
  );
  assert.equal(
    tolerates(
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" },
      unreachable,
    ),
    false,
  );
});

test("eviction delay is the smallest matching tolerationSeconds", () => {
  assert.equal(evictionDelayMs([], [unreachable]), 0);
  assert.equal(
    evictionDelayMs(
      [{ key: unreachable.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
      [unreachable],
    ),
    300_000,
  );
  assert.equal(evictionDelayMs([{ operator: "Exists" }], [unreachable]), Infinity);
  assert.equal(
    evictionDelayMs([], [{ key: "x", effect: "NoSchedule" }]),
    Infinity,
    "only NoExecute taints evict",
  );
});

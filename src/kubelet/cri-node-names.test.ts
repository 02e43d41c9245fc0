import { test } from "node:test";
import assert from "node:assert/strict";
import { bridgeName } from "./cri-node.ts";

test("bridge names fit Linux's 15 characters and differ for names differing at the end", () => {
  const names = ["node1", "node2", "h3try-node1", "h3try-node2", "a".repeat(253)];
  const bridges = names.map(bridgeName);
  for (const b of bridges) assert.ok(b.length <= 15 && /^k8ts[0-9a-f]+$/.test(b), b);
  assert.equal(new Set(bridges).size, names.length);
  assert.equal(bridgeName("node1"), bridgeName("node1"));
});

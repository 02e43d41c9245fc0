import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "./heap.ts";

test("Heap orders, updates and deletes by key", () => {
  const h = new Heap<{ k: string; v: number }>(
    (x) => x.k,
    (a, b) => a.v < b.v,
  );
  for (const [k, v] of [
    ["a", 5],
    ["b", 3],
    ["c", 8],
    ["d", 1],
  ] as const)
    h.addOrUpdate({ k, v });
  h.addOrUpdate({ k: "c", v: 0 });
  h.delete("b");
  const out: string[] = [];
  while (h.size) out.push(h.pop()!.k);
  assert.deepEqual(out, ["c", "d", "a"]);
});

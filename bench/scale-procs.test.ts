import assert from "node:assert/strict";
import { test } from "node:test";
import { childHeapLimitMiB } from "./scale-procs.ts";

test("the children's heap limit is 40% of the machine's memory, never below 4 GiB", () => {
  assert.equal(childHeapLimitMiB(24 * 2 ** 30), Math.floor(24 * 1024 * 0.4));
  assert.equal(childHeapLimitMiB(64 * 2 ** 30), Math.floor(64 * 1024 * 0.4));
  assert.equal(childHeapLimitMiB(8 * 2 ** 30), 4096);
});

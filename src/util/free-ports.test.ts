import { test } from "node:test";
import assert from "node:assert/strict";
import { freePorts } from "./free-ports.ts";

test("freePorts gives distinct ports and none the caller said it will listen on", async () => {
  // 500 ports just released: the kernel would hand several of them out again
  // (about 9 expected in a 28,000-port range) if avoid were ignored.
  const taken = await freePorts(500);
  assert.equal(new Set(taken).size, 500);
  const more = await freePorts(500, "127.0.0.1", taken);
  assert.equal(new Set(more).size, 500);
  assert.deepEqual(
    more.filter((p) => taken.includes(p)),
    [],
  );
});

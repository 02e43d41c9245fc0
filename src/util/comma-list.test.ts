import assert from "node:assert/strict";
import { test } from "node:test";
import { commaList } from "./comma-list.ts";

test("comma lists trim, drop empties and accumulate over repeated flags", () => {
  assert.deepEqual(commaList("a, b,,c"), ["a", "b", "c"]);
  assert.deepEqual(commaList("d", commaList("a,b")), ["a", "b", "d"]);
  assert.deepEqual(commaList(""), []);
});

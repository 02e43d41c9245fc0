import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "./proxy.ts";

test("parseDuration reads Go-style durations", () => {
  const cases: [string, number][] = [
    ["1s", 1000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["0.5s", 500],
  ];
  for (const [text, want] of cases) assert.equal(parseDuration(text), want, text);
  for (const bad of ["", "1", "1x", "s", "1s junk"])
    assert.throws(() => parseDuration(bad), /Cannot parse duration/, bad);
});

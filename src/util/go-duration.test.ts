import { test } from "node:test";
import assert from "node:assert/strict";
import { parseGoDuration } from "./go-duration.ts";

test("Go durations parse to milliseconds", () => {
  const cases: [string, number][] = [
    ["15s", 15000],
    ["1m30s", 90000],
    ["500ms", 500],
    ["2h", 7200000],
    ["0", 0],
    ["1.5s", 1500],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});

test("malformed durations are rejected", () => {
  for (const bad of ["", "15", "s", "1x", "1s garbage"])
    assert.throws(() => parseGoDuration(bad), /Cannot parse duration/);
});

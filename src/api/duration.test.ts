import { test } from "node:test";
import assert from "node:assert/strict";
import { humanDuration, shortHumanDuration, timestampSince, timestampUntil } from "./duration.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

test("humanDuration follows upstream's precision bands", () => {
  const cases: [number, string][] = [
    [-3 * s, "<invalid>"],
    [-2 * s, "<invalid>"],
    [-1500, "0s"],
    [-1 * s, "0s"],
    [0, "0s"],
    [999, "0s"],
    [59 * s, "59s"],
    [60 * s, "60s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [5 * m + 30 * s, "5m30s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 5 * m, "3h5m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [3 * d + 4 * h, "3d4h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d + 5 * h, "8d"],
    [45 * d, "45d"],
    [729 * d, "729d"],
    [2 * y, "2y"],
    [2 * y + 10 * d, "2y10d"],
    [7 * y + 364 * d, "7y364d"],
    [8 * y + 100 * d, "8y"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test("shortHumanDuration uses one unit", () => {
  const cases: [number, string][] = [
    [-5 * s, "<invalid>"],
    [59 * s, "59s"],
    [90 * s, "1m"],
    [5 * h + 59 * m, "5h"],
    [45 * d, "45d"],
    [3 * y, "3y"],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want);
});

test("timestampSince and timestampUntil take an injected now", () => {
  const now = new Date("2024-05-01T12:00:00Z");
  assert.equal(timestampSince("2024-05-01T11:54:30Z", now), "5m30s");
  assert.equal(timestampSince(undefined, now), "<unknown>");
  assert.equal(timestampSince("", now), "<unknown>");
  assert.equal(timestampSince("not a time", now), "<unknown>");
  assert.equal(timestampUntil("2024-05-02T12:00:00Z", now), "24h");
});

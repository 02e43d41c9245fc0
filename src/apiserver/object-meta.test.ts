import { test } from "node:test";
import assert from "node:assert/strict";
import { rfc3339 } from "./object-meta.ts";

test("rfc3339: seconds precision, UTC, the same answer when repeated or revisited", () => {
  const cases: [number, string][] = [
    [Date.UTC(2026, 0, 1, 0, 0, 0, 0), "2026-01-01T00:00:00Z"],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 999), "2026-01-01T00:00:00Z"],
    [Date.UTC(2026, 0, 1, 0, 0, 1, 0), "2026-01-01T00:00:01Z"],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 500), "2026-01-01T00:00:00Z"],
    [-1, "1969-12-31T23:59:59Z"],
    [0, "1970-01-01T00:00:00Z"],
  ];
  for (let round = 0; round < 2; round++)
    for (const [ms, want] of cases) assert.equal(rfc3339(ms), want, String(ms));
  assert.throws(() => rfc3339(NaN), RangeError);
});

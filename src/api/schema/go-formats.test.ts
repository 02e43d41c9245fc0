import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, formatTime, parseDuration, parseTime } from "./go-formats.ts";

test("formatDuration matches Go's time.Duration.String", () => {
  const cases: [bigint, string][] = [
    [0n, "0s"],
    [1n, "1ns"],
    [999n, "999ns"],
    [1500n, "1.5µs"],
    [1_000_000n, "1ms"],
    [300_000_000n, "300ms"],
    [1_500_000_000n, "1.5s"],
    [90_000_000_000n, "1m30s"],
    [3_600_000_000_000n, "1h0m0s"],
    [3_723_500_000_000n, "1h2m3.5s"],
    [-5_000_000_000n, "-5s"],
    [300_000_000_000n, "5m0s"],
  ];
  for (const [nanos, want] of cases) {
    assert.equal(formatDuration(nanos), want, `${nanos}`);
    assert.equal(parseDuration(want), nanos, want);
  }
});

test("parseDuration accepts Go's input forms and rejects garbage", () => {
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["1h30m", 5_400_000_000_000n],
    ["2.5h", 9_000_000_000_000n],
    ["10us", 10_000n],
    ["+3s", 3_000_000_000n],
    [".5s", 500_000_000n],
  ];
  for (const [text, want] of cases) assert.equal(parseDuration(text), want, text);
  for (const bad of ["", "5", "1x", "h", "1h 2m"])
    assert.throws(() => parseDuration(bad), /Cannot parse duration/);
});

test("formatTime and parseTime use RFC 3339 in UTC", () => {
  const cases: [string, number, number, boolean, string][] = [
    ["2024-02-29T12:34:56Z", 1709210096, 0, false, "2024-02-29T12:34:56Z"],
    ["2024-02-29T14:34:56+02:00", 1709210096, 0, false, "2024-02-29T12:34:56Z"],
    ["1970-01-01T00:00:00.123456789Z", 0, 123456789, true, "1970-01-01T00:00:00.123456Z"],
    ["0001-01-01T00:00:00Z", -62135596800, 0, false, "0001-01-01T00:00:00Z"],
  ];
  for (const [text, seconds, nanos, micro, formatted] of cases) {
    assert.deepEqual(parseTime(text), { seconds, nanos }, text);
    assert.equal(formatTime(seconds, nanos, micro), formatted, text);
  }
  assert.equal(formatTime(1709210096, 5_000, true), "2024-02-29T12:34:56.000005Z");
  assert.throws(() => parseTime("yesterday"), /not RFC 3339/);
});

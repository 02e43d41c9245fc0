import { test } from "node:test";
import assert from "node:assert/strict";
import { mostRecentScheduleTime, parseSchedule } from "./schedule.ts";

const t = (s: string) => Date.parse(s);

test("every-minute schedules fire on the minute", () => {
  const s = parseSchedule("*/1 * * * *");
  assert.equal(s.next(t("2026-01-01T00:00:30Z")), t("2026-01-01T00:01:00Z"));
});

test("nicknames and time zones", () => {
  assert.equal(parseSchedule("@hourly").next(t("2026-01-01T00:10:00Z")), t("2026-01-01T01:00:00Z"));
  assert.equal(
    parseSchedule("0 9 * * *", "Europe/Paris").next(t("2026-01-01T00:00:00Z")),
    t("2026-01-01T08:00:00Z"),
  );
  assert.equal(
    parseSchedule("CRON_TZ=UTC 0 9 * * *").next(t("2026-01-01T00:00:00Z")),
    t("2026-01-01T09:00:00Z"),
  );
});

test("the most recent due time and missed count", () => {
  const s = parseSchedule("*/5 * * * *");
  const r = mostRecentScheduleTime(s, t("2026-01-01T00:00:00Z"), t("2026-01-01T00:17:00Z"));
  assert.equal(r.time, t("2026-01-01T00:15:00Z"));
  assert.equal(r.missed, 2);
  assert.equal(
    mostRecentScheduleTime(s, t("2026-01-01T00:00:00Z"), t("2026-01-01T00:04:00Z")).time,
    undefined,
  );
});

test("malformed schedules are rejected", () => {
  assert.throws(() => parseSchedule("* * *"), /expected 5 fields/);
  assert.throws(() => parseSchedule("61 * * * *"));
});

test("past 100 missed times the most recent one is still found", () => {
  const s = parseSchedule("* * * * *");
  const cases: [string, string, string, string | undefined, number][] = [
    ["100 missed", "2026-01-01T00:00:00Z", "2026-01-01T01:41:30Z", "2026-01-01T01:41:00Z", 100],
    ["a year down", "2025-01-01T00:00:00Z", "2026-01-01T00:00:30Z", "2026-01-01T00:00:00Z", 101],
    ["none due", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z", undefined, 0],
  ];
  for (const [name, from, now, want, missed] of cases) {
    const r = mostRecentScheduleTime(s, t(from), t(now));
    assert.equal(r.time, want === undefined ? undefined : t(want), name);
    assert.equal(r.missed, missed, name);
  }
  const yearly = mostRecentScheduleTime(
    parseSchedule("@hourly"),
    t("2010-01-01T00:00:00Z"),
    t("2026-01-01T05:30:00Z"),
  );
  assert.equal(yearly.time, t("2026-01-01T05:00:00Z"));
});

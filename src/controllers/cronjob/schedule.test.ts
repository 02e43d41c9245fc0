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

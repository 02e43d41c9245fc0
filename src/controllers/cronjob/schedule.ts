/**
 * Cron schedule arithmetic for the CronJob controller: the most recent
 * scheduled time that is due, and the next one (pure; times in ms).
 */
import { Cron } from "croner";

const nicknames: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export interface Schedule {
  next(afterMs: number): number | undefined;
}

/** Parses a 5-field schedule (or @nickname), optionally with a time zone ("TZ=..." prefix or timeZone). */
export function parseSchedule(text: string, timeZone?: string): Schedule {
  let expr = text.trim();
  let tz = timeZone;
  const m = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (m) {
    tz = m[1];
    expr = m[2]!;
  }
  expr = nicknames[expr] ?? expr;
  if (expr.split(/\s+/).length !== 5)
    throw new Error(`Cannot parse schedule "${text}": expected 5 fields`);
  const cron = new Cron(expr, { paused: true, timezone: tz, legacyMode: true });
  return {
    next(afterMs) {
      return cron.nextRun(new Date(afterMs))?.getTime();
    },
  };
}

/**
 * The latest scheduled time t with earliest < t <= now, and how many earlier
 * ones were missed in between (upstream mostRecentScheduleTime). Past 100
 * missed times the count stops at 101 (the controller warns, as upstream)
 * and the most recent time is found in growing windows before now, so a
 * CronJob whose controller was down for a year still starts only the latest.
 */
export function mostRecentScheduleTime(
  schedule: Schedule,
  earliestMs: number,
  nowMs: number,
): { time?: number; missed: number } {
  const scan = (from: number, cap: number) => {
    let t = schedule.next(from);
    let last: number | undefined;
    let n = 0;
    while (t !== undefined && t <= nowMs && n <= cap) {
      last = t;
      n++;
      t = schedule.next(t);
    }
    return { last, n };
  };
  const first = scan(earliestMs, 101);
  if (first.n <= 101 && (first.last === undefined || schedule.next(first.last)! > nowMs))
    return { time: first.last, missed: Math.max(0, first.n - 1) };
  for (const w of [60_000, 3_600_000, 86_400_000, 32 * 86_400_000, 367 * 86_400_000]) {
    const r = scan(Math.max(earliestMs, nowMs - w), Number.POSITIVE_INFINITY);
    if (r.last !== undefined) return { time: r.last, missed: 101 };
  }
  return { time: scan(earliestMs, Number.POSITIVE_INFINITY).last, missed: 101 };
}

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
 * The latest scheduled time t with earliest < t <= now, and how many were
 * missed in between (the controller gives up past 100, as upstream).
 */
export function mostRecentScheduleTime(
  schedule: Schedule,
  earliestMs: number,
  nowMs: number,
): { time?: number; missed: number } {
  let t = schedule.next(earliestMs);
  let last: number | undefined;
  let missed = 0;
  while (t !== undefined && t <= nowMs) {
    last = t;
    missed++;
    if (missed > 100) break;
    t = schedule.next(t);
  }
  return { time: last, missed: Math.max(0, missed - 1) };
}

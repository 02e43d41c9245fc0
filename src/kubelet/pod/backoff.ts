/**
 * Per-key exponential back-off as upstream's flowcontrol.Backoff, used for
 * CrashLoopBackOff (10 s doubling to 300 s) and ImagePullBackOff. An entry
 * idle for more than twice the maximum is reset.
 */
import type { Clock } from "../../client/clock.ts";

export class Backoff {
  private entries = new Map<string, { durationMs: number; lastUpdate: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly initialMs = 10_000,
    private readonly maxMs = 300_000,
  ) {}

  /** Advances the key's back-off (first call: the initial duration). */
  next(key: string): number {
    const now = this.clock.now();
    const e = this.entries.get(key);
    const durationMs =
      !e || now - e.lastUpdate > 2 * this.maxMs
        ? this.initialMs
        : Math.min(e.durationMs * 2, this.maxMs);
    this.entries.set(key, { durationMs, lastUpdate: now });
    return durationMs;
  }

  /** The key's current duration (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.durationMs ?? 0;
  }

  /** True while less than the key's duration has passed since `since` (ms). */
  isInBackOffSince(key: string, since: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (this.clock.now() - e.lastUpdate > 2 * this.maxMs) return false;
    return this.clock.now() - since < e.durationMs;
  }

  /** When the key's back-off started at `since` ends (ms). */
  expiresAt(key: string, since: number): number {
    return since + this.get(key);
  }

  /** Forgets keys starting with prefix (a pod's containers when it goes away). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** A container held back by CrashLoopBackOff: its waiting state, BackOff event and retry delay. */
export interface CrashLoop {
  waiting: { reason: "CrashLoopBackOff"; message: string };
  event: string;
  retryInMs: number;
}

/**
 * Upstream doBackOff for a container that exited at `finishedAt` (ms; 0:
 * now): undefined when it may restart now (the back-off is then advanced),
 * else why and for how long it waits.
 */
export function crashLoopBackOff(
  backoff: Backoff,
  clock: Clock,
  pod: { name?: string; namespace?: string; uid?: string },
  container: string,
  finishedAt: number,
): CrashLoop | undefined {
  const key = `${pod.uid}/${container}`;
  const since = finishedAt || clock.now();
  if (!backoff.isInBackOffSince(key, since)) {
    backoff.next(key);
    return undefined;
  }
  const secs = Math.round(backoff.get(key) / 1000);
  const podRef = `${pod.name}_${pod.namespace}(${pod.uid})`;
  return {
    waiting: {
      reason: "CrashLoopBackOff",
      message: `back-off ${secs}s restarting failed container=${container} pod=${podRef}`,
    },
    event: `Back-off restarting failed container ${container} in pod ${podRef}`,
    retryInMs: Math.max(1, backoff.expiresAt(key, since) - clock.now()),
  };
}

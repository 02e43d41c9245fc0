/**
 * bench:scale's phases: each one timed, with the CPU seconds each process
 * spent in it (server and simulator from /proc, the bench itself from
 * process.cpuUsage) so the table says what paced the phase — a fixed rate
 * of the bench (little CPU anywhere) or some process's CPU.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { Row } from "./lib/table.ts";

/** CPU seconds used so far by named processes (cumulative). */
export type CpuReader = () => Record<string, number>;

/** The bench process's own CPU seconds (user + system). */
export const benchCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Runs named phases one after another and keeps one table row per phase. */
export class PhaseRunner {
  readonly rows: Row[] = [];
  /** The phase running now ("start" before the first). */
  current = "start";

  constructor(
    private readonly cpu: CpuReader,
    private readonly hooks: {
      onStart?(name: string): Promise<void> | void;
      onEnd?(name: string): Promise<void> | void;
    } = {},
  ) {}

  /**
   * Runs fn as phase `name`; its row carries the seconds taken, CPU seconds
   * per process ("<name> CPU s", bench included), what fn returned and the
   * 1-minute load average at its end. Returns the phase's start
   * (performance.now()).
   */
  async run(name: string, fn: () => Promise<Record<string, unknown> | void>): Promise<number> {
    this.current = name;
    await this.hooks.onStart?.(name);
    const start = performance.now();
    const cpu0: Record<string, number> = { ...this.cpu(), bench: benchCpuSeconds() };
    let extra: Record<string, unknown> = {};
    try {
      extra = (await fn()) ?? {};
    } finally {
      const cpu1 = { ...this.cpu(), bench: benchCpuSeconds() };
      const seconds = (performance.now() - start) / 1000;
      const row: Row = { phase: name, seconds };
      for (const [k, v] of Object.entries(extra)) row[k] = v as Row[string];
      for (const [proc, s] of Object.entries(cpu1)) row[`${proc} CPU s`] = s - (cpu0[proc] ?? 0);
      row.load = loadavg()[0]!.toFixed(1);
      this.rows.push(row);
      await this.hooks.onEnd?.(name);
    }
    return start;
  }
}

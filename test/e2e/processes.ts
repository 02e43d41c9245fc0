/**
 * Child processes of e2e tests: a registry that kills them if the test
 * process is ended early, stopping one, running a command to completion.
 */
import { execFile, type ChildProcess } from "node:child_process";

/** Every child process started here and still running (a registry for the exit guard). */
const running = new Set<ChildProcess>();
let guarded = false;

/**
 * Tracks child until it exits (again: no effect). If this test process is ended early (the
 * runner's file timeout sends SIGTERM; after() hooks then never run), every
 * tracked child is killed so no server, agent or nginx outlives the test
 * (a killed server's etcd member stops by its own watchdog).
 */
export function track(child: ChildProcess): void {
  if (running.has(child)) return;
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (guarded) return;
  guarded = true;
  const killAll = () => {
    for (const c of running) c.kill("SIGKILL");
  };
  process.once("exit", killAll);
  for (const sig of ["SIGTERM", "SIGINT"] as const)
    process.once(sig, () => {
      killAll();
      process.exit(1);
    });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects; killed after 120 s); `env` adds to ours. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        env: { ...process.env, ...opts.env },
        cwd: opts.cwd,
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Ends a child of ours: SIGTERM, SIGKILL if it is still running after
 * graceMs; resolves once it has exited. A child that already exited, by a
 * code or by a signal, is left as it is (one killed by a signal has exitCode
 * null, and waiting for its 'exit' again would never end).
 */
export async function stopChild(child: ChildProcess | undefined, graceMs = 30_000): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

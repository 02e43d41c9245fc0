/**
 * Runs the host commands the proxy needs (iptables-restore, iptables, ip,
 * sysctl), optionally inside a named network namespace (`ip netns exec`),
 * so tests and several simulated nodes each program their own namespace.
 */
import { spawn } from "node:child_process";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command with optional stdin; never throws for a non-zero exit. */
export type HostExec = (cmd: string, args: string[], input?: string) => Promise<ExecResult>;

/** A HostExec for the current namespace, or inside `netns` when given. */
export function hostExec(netns?: string): HostExec {
  return (cmd, args, input) =>
    new Promise((resolve) => {
      const [file, argv] = netns ? ["ip", ["netns", "exec", netns, cmd, ...args]] : [cmd, args];
      const child = spawn(file, argv, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.on("error", () => {});
      child.stdin.end(input ?? "");
    });
}

/** An error from a failed host command, carrying its output. */
export class HostCommandError extends Error {
  readonly code = "HostCommandFailed";
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    super(`Cannot run ${command}: exit ${result.code}: ${result.stderr.trim().slice(0, 2000)}`);
  }
}

/** Runs and throws HostCommandError on a non-zero exit. */
export async function mustExec(
  exec: HostExec,
  cmd: string,
  args: string[],
  input?: string,
): Promise<string> {
  const res = await exec(cmd, args, input);
  if (res.code !== 0) throw new HostCommandError(`${cmd} ${args.join(" ")}`, res);
  return res.stdout;
}

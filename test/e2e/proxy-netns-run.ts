/**
 * Commands for e2e tests whose cluster lives in network namespaces the test
 * (or `k8ts dev cluster`) created: run a command on the host or inside a
 * namespace (nsenter --net only, so the host's cgroup mounts stay visible),
 * and kubectl against a kubeconfig from inside one. Shared by
 * proxy-server-netns.test.ts and dev-cluster.test.ts.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";

/** A finished command: exit code (1 when killed or not started) and its output. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with optional stdin; never rejects. */
export function run(
  cmd: string,
  args: string[],
  timeoutMs = 120_000,
  input?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const p = execFile(
      cmd,
      args,
      { maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === "number" ? err.code : 1) : 0,
          stdout: stdout.toString(),
          stderr: stderr.toString(),
        }),
    );
    p.stdin?.on("error", () => {});
    p.stdin?.end(input ?? "");
  });
}

/** Runs a command inside the named network namespace. */
export function inNetns(netns: string, cmd: string, args: string[], input?: string): Promise<Run> {
  return run("nsenter", [`--net=/var/run/netns/${netns}`, cmd, ...args], 120_000, input);
}

/** kubectl (and kubectl that must succeed) from inside `netns` with `kubeconfig`. */
export function netnsKubectl(netns: string, kubeconfig: string, context: () => string) {
  const kubectl = (args: string[], input?: string) =>
    inNetns(netns, "kubectl", ["--kubeconfig", kubeconfig, ...args], input);
  const kubectlOk = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}\n${context()}`);
    return r.stdout;
  };
  return { kubectl, kubectlOk };
}

/** Profiling a benchmark's child processes: V8 CPU profiles over the inspector, Linux perf. */
import { spawn } from "node:child_process";
import { InspectorSession, inspectorUrl } from "./inspector.ts";

/** Node flags opening an inspector when profiling (none without dir). */
export const profFlags = (dir: string | undefined): string[] =>
  dir ? ["--inspect=127.0.0.1:0"] : [];

/** Node flags writing a perf symbol map when recording with perf (none without dir). */
export const perfFlags = (dir: string | undefined): string[] => (dir ? ["--perf-basic-prof"] : []);

/** Starts `perf record` on pid into file; the returned function stops it. */
export function recordPerf(pid: number, file: string): () => Promise<void> {
  const perf = spawn("perf", ["record", "-F", "999", "-g", "-o", file, "-p", String(pid)], {
    stdio: "ignore",
  });
  const exited = new Promise((r) => perf.once("exit", r));
  return async () => {
    if (perf.exitCode === null) perf.kill("SIGINT");
    await exited;
  };
}

/** An inspector session on a process that printed its address in output. */
export async function connectInspector(what: string, output: string): Promise<InspectorSession> {
  const url = inspectorUrl(output);
  if (!url) throw new Error(`the ${what} printed no inspector address`);
  return InspectorSession.connect(url);
}

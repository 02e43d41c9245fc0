/**
 * Summarizes a V8 .cpuprofile (the format of `node --cpu-prof` and the
 * inspector's Profiler.stop): self time per function, largest first, so a
 * benchmark can print where a process spent its CPU.
 */
import { readFileSync } from "node:fs";

/** The parts of a .cpuprofile read here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  /** `name (file:line)`; "(garbage collector)", "(program)", "(idle)" as V8 names them. */
  fn: string;
  selfMs: number;
  /** Share of all non-idle samples, in percent. */
  percent: number;
}

const shortUrl = (url: string) =>
  url.replace(/^file:\/\//, "").replace(/^.*\/(src|node_modules)\//, "$1/");

/** Self time per function of profile (idle excluded), top n. */
export function topSelfTime(profile: CpuProfile, n = 25): SelfTime[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const ms = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const f = node.callFrame;
    if (f.functionName === "(idle)") continue;
    // A sample's time is the gap to the next sample (V8 records the gap before it).
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    const key = f.url
      ? `${f.functionName || "(anonymous)"} (${shortUrl(f.url)}:${f.lineNumber + 1})`
      : f.functionName || "(anonymous)";
    ms.set(key, (ms.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...ms]
    .map(([fn, selfMs]) => ({ fn, selfMs, percent: total ? (100 * selfMs) / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, n);
}

/** Reads a .cpuprofile file and returns its top self times. */
export function topSelfTimeOfFile(file: string, n = 25): SelfTime[] {
  return topSelfTime(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, n);
}

/**
 * One memory sample of a k8ts process for bench:memory: the kernel's view
 * (/proc/PID/status VmRSS, RssAnon, RssFile, VmHWM) and V8's view of the
 * main thread through the inspector (process.memoryUsage() after a full GC)
 * and of its worker threads (memory-workers.ts), in bytes.
 */
import { readFileSync } from "node:fs";
import { threadCpu } from "./lib/proc-stat.ts";
import { workerHeaps } from "./memory-workers.ts";
import type { K8tsChild } from "./scale-procs.ts";

export interface MemorySample {
  rss: number;
  rssAnon: number;
  rssFile: number;
  /** Peak RSS so far. */
  hwm: number;
  /** V8 heap in use after a full GC (main thread). */
  heapUsed: number;
  /** V8 heap committed (main thread). */
  heapTotal: number;
  /** Memory of C++ objects bound to JS objects (Buffers and others). */
  external: number;
  arrayBuffers: number;
  /** V8 heap in use after a full GC in the worker threads (the components thread, SQLite's checkpointer ...). */
  workersHeapUsed: number;
  workersHeapTotal: number;
  /** CPU seconds (user + system) of the main thread so far, and of all the other threads. */
  cpuMain: number;
  cpuOthers: number;
}

/** The fields of /proc/PID/status in bytes (kB lines), by name. */
export function procStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

/**
 * Collects garbage in the child, then samples it; throws when its inspector
 * is unavailable. With workerSnapshot, writes each worker thread's heap
 * snapshot to the file it names.
 */
export async function sampleMemory(
  child: K8tsChild,
  workerSnapshot?: (index: number, title: string) => string,
): Promise<MemorySample> {
  const s = await child.inspector();
  if (!s) throw new Error("Cannot sample memory: the server's inspector is unavailable");
  await s.call("HeapProfiler.collectGarbage");
  const r = await s.call<{ result: { value: string } }>("Runtime.evaluate", {
    expression: "JSON.stringify(process.memoryUsage())",
    returnByValue: true,
  });
  const mu = JSON.parse(r.result.value) as {
    heapUsed: number;
    heapTotal: number;
    external: number;
    arrayBuffers: number;
  };
  const url = child.inspectorUrl();
  const workers = url ? await workerHeaps(url, 60_000, workerSnapshot).catch(() => []) : [];
  const st = procStatus(child.child.pid!);
  const cpu = threadCpu(child.child.pid!);
  return {
    rss: st.VmRSS ?? NaN,
    rssAnon: st.RssAnon ?? NaN,
    rssFile: st.RssFile ?? NaN,
    hwm: st.VmHWM ?? NaN,
    heapUsed: mu.heapUsed,
    heapTotal: mu.heapTotal,
    external: mu.external,
    arrayBuffers: mu.arrayBuffers,
    workersHeapUsed: workers.reduce((a, w) => a + w.heapUsed, 0),
    workersHeapTotal: workers.reduce((a, w) => a + w.heapTotal, 0),
    cpuMain: cpu.main,
    cpuOthers: cpu.others,
  };
}

const MiB = 2 ** 20;

/** A table row: the sample in MiB, and per object (KiB above `base`) when count > 0. */
export function sampleRow(
  phase: string,
  s: MemorySample,
  base?: MemorySample,
  count = 0,
): Record<string, string | number> {
  const row: Record<string, string | number> = { phase };
  const keys = [
    "rss",
    "rssAnon",
    "rssFile",
    "heapUsed",
    "heapTotal",
    "external",
    "workersHeapUsed",
    "workersHeapTotal",
  ] as const;
  for (const k of keys) row[`${k} MiB`] = Math.round((s[k] / MiB) * 10) / 10;
  row["hwm MiB"] = Math.round((s.hwm / MiB) * 10) / 10;
  row["cpu main s"] = Math.round(s.cpuMain * 10) / 10;
  row["cpu others s"] = Math.round(s.cpuOthers * 10) / 10;
  if (base && count > 0) {
    for (const k of ["rss", "rssAnon", "heapUsed", "workersHeapUsed"] as const)
      row[`${k} KiB/pod`] = Math.round(((s[k] - base[k]) / 1024 / count) * 10) / 10;
  }
  return row;
}

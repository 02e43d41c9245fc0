/**
 * A probe for latency stalls, preloaded into a process with
 * `node --import ./bench/lib/stall-probe.mjs ...` (plain JavaScript so it
 * loads into the compiled server as well as under tsx): writes one line to
 * stderr per garbage-collection pause and per event-loop delay of at least
 * K8TS_STALL_MS milliseconds (default 5), as
 * `k8ts-stall {"at":<epoch ms of the start>,"ms":<length>,"kind":"gc-minor"|...|"loop","thread":<id>}`
 * (a loop delay also carries "cpuMs": the process's CPU time meanwhile, all threads).
 * bench/lib/stalls.ts reads these lines back and lines them up with a phase.
 * Each thread that loads it reports on its own event loop and heap. A process
 * that imports it itself can take the reports with onStall instead.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";
import { threadId } from "node:worker_threads";

const minMs = Number(process.env.K8TS_STALL_MS ?? 5);
const tickMs = 2;
// perf_hooks.constants.NODE_PERFORMANCE_GC_*
const kinds = { 1: "gc-minor", 4: "gc-major", 8: "gc-incremental", 16: "gc-weakcb" };

const listeners = [];

/** Sends this process's reports to fn instead of stderr. */
export function onStall(fn) {
  listeners.push(fn);
}

function report(startPerf, ms, kind, cpuMs) {
  const at = Math.round((performance.timeOrigin + startPerf) * 10) / 10;
  const stall = { at, ms: Math.round(ms * 10) / 10, kind, thread: threadId };
  if (cpuMs !== undefined) stall.cpuMs = Math.round(cpuMs * 10) / 10;
  if (listeners.length) for (const fn of listeners) fn(stall);
  else process.stderr.write(`k8ts-stall ${JSON.stringify(stall)}\n`);
}

new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (e.duration >= minMs) report(e.startTime, e.duration, kinds[e.detail?.kind] ?? "gc");
}).observe({ entryTypes: ["gc"] });

// A timer due every tickMs: how late it fires is how long the loop was held.
// The process's CPU time over the same span tells work (cpu ≈ ms, or more with
// helper threads) from waiting for a core (cpu ≪ ms: the machine was busy).
let last = performance.now();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = performance.now();
  const late = now - last - tickMs;
  if (late >= minMs) {
    const cpu = process.cpuUsage(lastCpu);
    report(last + tickMs, late, "loop", (cpu.user + cpu.system) / 1000);
  }
  last = now;
  lastCpu = process.cpuUsage();
}, tickMs).unref();

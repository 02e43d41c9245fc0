import { test } from "node:test";
import assert from "node:assert/strict";
import { processCpuMs, statCpu, threadCpu } from "./proc-stat.ts";

test("statCpu reads utime and stime after the command name, whatever it holds", () => {
  const rest = "S 1 2 3 4 5 6 7 8 9 10 250 37 0 0 20 0 9 0 100 1000 50";
  for (const comm of ["node", "a b", "x) (y", "))"])
    assert.deepEqual(statCpu(`4242 (${comm}) ${rest}`), { userMs: 2500, sysMs: 370 }, comm);
});

test("processCpuMs and threadCpu of this process grow with work done", () => {
  const before = processCpuMs(process.pid);
  const threadsBefore = threadCpu(process.pid);
  const end = process.cpuUsage().user + 200_000;
  while (process.cpuUsage().user < end); // 200 ms of user CPU on the main thread
  assert.ok(processCpuMs(process.pid) - before >= 100);
  assert.ok(processCpuMs(process.pid, process.pid) >= threadCpu(process.pid).main * 1000 - 50);
  assert.ok(threadCpu(process.pid).main - threadsBefore.main >= 0.1);
});

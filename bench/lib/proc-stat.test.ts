import { test } from "node:test";
import assert from "node:assert/strict";
import { minorFaults, processCpuMs, statCpu, statMinorFaults, threadCpu } from "./proc-stat.ts";

test("statCpu reads utime and stime after the command name, whatever it holds", () => {
  const rest = "S 1 2 3 4 5 6 7 8 9 10 250 37 0 0 20 0 9 0 100 1000 50";
  for (const comm of ["node", "a b", "x) (y", "))"])
    assert.deepEqual(statCpu(`4242 (${comm}) ${rest}`), { userMs: 2500, sysMs: 370 }, comm);
});

test("statMinorFaults reads minflt after the command name, whatever it holds", () => {
  const rest = "S 1 2 3 4 5 6 777 8 9 10 250 37 0 0 20 0 9 0 100 1000 50";
  for (const comm of ["node", "a b", "x) (y", "))"])
    assert.equal(statMinorFaults(`4242 (${comm}) ${rest}`), 777, comm);
});

test("minorFaults of this process grows when it touches new memory", () => {
  const before = minorFaults(process.pid);
  // Written, not only allocated (calloc'd pages fault at their first write);
  // huge pages may make it a handful of faults rather than 2,048.
  const b = Buffer.allocUnsafeSlow(8 << 20).fill(1);
  assert.ok(minorFaults(process.pid) > before, String(b.length));
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

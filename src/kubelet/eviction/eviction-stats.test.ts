import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskUsage, diskUsageInodes, pidStats } from "./eviction-stats.ts";

test("pidStats: min(pid_max, threads-max) minus the running tasks of /proc/loadavg", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-pidstats-"));
  try {
    mkdirSync(join(dir, "sys", "kernel"), { recursive: true });
    writeFileSync(join(dir, "sys", "kernel", "pid_max"), "32768\n");
    writeFileSync(join(dir, "sys", "kernel", "threads-max"), "15000\n");
    writeFileSync(join(dir, "loadavg"), "0.52 0.58 0.59 3/1200 98765\n");
    assert.deepEqual(pidStats(dir), { available: 13_800, capacity: 15_000 });
    rmSync(join(dir, "loadavg"));
    assert.equal(pidStats(dir), undefined);
    assert.equal(pidStats(join(dir, "absent")), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const real = pidStats();
  assert.ok(real && real.capacity > 0 && real.available < real.capacity, JSON.stringify(real));
});

test("diskUsage counts allocated blocks of every file below a directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-du-"));
  try {
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "a", "one"), Buffer.alloc(64 * 1024, 1));
    writeFileSync(join(dir, "a", "b", "two"), Buffer.alloc(128 * 1024, 1));
    const n = await diskUsage(dir);
    assert.ok(n >= 192 * 1024 && n < 256 * 1024, String(n));
    assert.equal(await diskUsage(join(dir, "missing")), 0);
    // dir, a, a/one, a/b, a/b/two
    assert.equal((await diskUsageInodes(dir)).inodes, 5);
    assert.deepEqual(await diskUsageInodes(join(dir, "missing")), { bytes: 0, inodes: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupTimestamp, rotatingFileSink } from "./rotating-sink.ts";

test("backup names use lumberjack's UTC timestamp", () => {
  assert.equal(backupTimestamp(Date.parse("2026-01-02T03:04:05.678Z")), "2026-01-02T03-04-05.678");
});

test("rotates past maxsize, keeps maxbackup files and drops files older than maxage", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-audit-rot-"));
  try {
    let clock = Date.parse("2026-03-01T00:00:00.000Z");
    // An old backup from 40 days ago and an unrelated file.
    writeFileSync(join(dir, "audit-2026-01-20T00-00-00.000.log"), "old\n");
    writeFileSync(join(dir, "other.txt"), "keep\n");
    const sink = rotatingFileSink(join(dir, "audit.log"), {
      maxSizeBytes: 100,
      maxBackups: 2,
      maxAgeDays: 30,
      now: () => clock,
    });
    const event = { kind: "Event", pad: "x".repeat(10) }; // 42 bytes a line: two fit in 100
    for (let i = 0; i < 7; i++) {
      sink.write({ ...event, i });
      clock += 1000;
    }
    await sink.close();
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [
      "audit-2026-03-01T00-00-04.000.log",
      "audit-2026-03-01T00-00-06.000.log",
      "audit.log",
      "other.txt",
    ]);
    const current = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n");
    assert.deepEqual(
      current.map((l) => JSON.parse(l).i),
      [6],
    );
    const newest = readFileSync(join(dir, "audit-2026-03-01T00-00-06.000.log"), "utf8");
    assert.deepEqual(
      newest
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).i),
      [4, 5],
    );
    assert.equal(statSync(join(dir, "audit.log")).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

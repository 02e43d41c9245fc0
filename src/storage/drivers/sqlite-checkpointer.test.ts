import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FakeClock } from "../../client/clock.ts";
import { QUIET_MS, SqliteCheckpointer } from "./sqlite-checkpointer.ts";

const Database = createRequire(import.meta.url)("better-sqlite3");

/** A checkpointer on a fresh WAL database, on a fake clock; quiet checks need 10 of 80 transactions. */
async function withCheckpointer(
  fn: (cp: SqliteCheckpointer, clock: FakeClock) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-checkpointer-test-"));
  const path = join(dir, "db.sqlite");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (x)");
  const clock = new FakeClock();
  const cp = new SqliteCheckpointer({
    path,
    everyTransactions: 80,
    clock,
    onFailure: (err) => assert.fail(`checkpointer failed: ${err}`),
    pauseWrites: () => {},
    resumeWrites: () => {},
  });
  try {
    await fn(cp, clock);
  } finally {
    await cp.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checkpoints completed once any requested one is done (idle() waits for it). */
async function checkpointsSettled(cp: SqliteCheckpointer): Promise<number> {
  await cp.idle();
  return cp.checkpoints;
}

test("writes arriving one at a time get no checkpoint until the writer is quiet", async () => {
  await withCheckpointer(async (cp, clock) => {
    // 10..79 of 80: each commit leaves the writer idle, the next comes before QUIET_MS.
    for (let total = 10; total < 80; total++) {
      cp.noteTransactions(total, true);
      clock.advance(QUIET_MS * 0.6);
      assert.equal(await checkpointsSettled(cp), 0, `checkpoint requested after ${total}`);
    }
    // QUIET_MS without a commit: one checkpoint.
    clock.advance(QUIET_MS);
    assert.equal(await checkpointsSettled(cp), 1);
    clock.advance(QUIET_MS * 10);
    assert.equal(await checkpointsSettled(cp), 1);
  });
});

test("a commit during the quiet wait postpones the checkpoint by QUIET_MS", async () => {
  await withCheckpointer(async (cp, clock) => {
    cp.noteTransactions(12, true);
    clock.advance(QUIET_MS - 1);
    cp.noteTransactions(13, true);
    clock.advance(QUIET_MS - 1);
    assert.equal(await checkpointsSettled(cp), 0);
    clock.advance(QUIET_MS);
    assert.equal(await checkpointsSettled(cp), 1);
  });
});

test("a busy writer, or fewer transactions than a quiet checkpoint needs, gets none early", async () => {
  await withCheckpointer(async (cp, clock) => {
    cp.noteTransactions(9, true);
    cp.noteTransactions(40, false);
    clock.advance(QUIET_MS * 10);
    assert.equal(await checkpointsSettled(cp), 0);
    cp.noteTransactions(80, false);
    assert.equal(await checkpointsSettled(cp), 1);
  });
});

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { FakeClock } from "../../client/clock.ts";
import { createLogger } from "../../util/logger.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { ContainerLogManager, rotationTimestamp } from "./container-log-manager.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A runtime with one running container whose log the runtime recreates on reopen. */
function setup(reopenFails = false) {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-logrotate-"));
  dirs.push(dir);
  const logPath = join(dir, "0.log");
  writeFileSync(logPath, "");
  const reopened: string[] = [];
  const runtime = {
    listContainers: async () => [{ id: "c1" }],
    containerStatus: async () => ({ id: "c1", logPath }),
    reopenContainerLog: async (id: string) => {
      if (reopenFails) throw new Error("container is not running");
      reopened.push(id);
      writeFileSync(logPath, "");
    },
  } as unknown as ContainerRuntime;
  const clock = new FakeClock(Date.parse("2026-11-29T06:00:00Z"));
  const m = new ContainerLogManager({
    runtime,
    clock,
    log: createLogger("test", { write: () => {} }),
    maxSize: 100,
    maxFiles: 4,
  });
  return { dir, logPath, clock, m, reopened };
}

test("rotationTimestamp uses Go's 20060102-150405 layout in UTC", () => {
  assert.equal(rotationTimestamp(Date.parse("2026-01-02T03:04:05Z")), "20260102-030405");
});

test("logs rotate at maxSize, older ones are gzipped, at most maxFiles are kept", async () => {
  const { dir, logPath, clock, m, reopened } = setup();
  writeFileSync(logPath, "x".repeat(99));
  assert.deepEqual(await m.rotateAll(), [], "below maxSize");
  const rounds: { content: string; want: string[] }[] = [
    { content: "a".repeat(100), want: ["0.log", "0.log.20261129-060001"] },
    {
      content: "b".repeat(150),
      want: ["0.log", "0.log.20261129-060001.gz", "0.log.20261129-060002"],
    },
    {
      content: "c".repeat(150),
      want: [
        "0.log",
        "0.log.20261129-060001.gz",
        "0.log.20261129-060002.gz",
        "0.log.20261129-060003",
      ],
    },
    {
      content: "d".repeat(150),
      want: [
        "0.log",
        "0.log.20261129-060002.gz",
        "0.log.20261129-060003.gz",
        "0.log.20261129-060004",
      ],
    },
  ];
  for (const [i, r] of rounds.entries()) {
    clock.advance(1000);
    writeFileSync(logPath, r.content);
    assert.deepEqual(await m.rotateAll(), ["c1"], `round ${i}`);
    assert.deepEqual(readdirSync(dir).sort(), r.want, `round ${i}`);
  }
  assert.equal(reopened.length, 4);
  assert.equal(readFileSync(join(dir, "0.log.20261129-060004"), "utf8"), "d".repeat(150));
  assert.equal(
    gunzipSync(readFileSync(join(dir, "0.log.20261129-060003.gz"))).toString(),
    "c".repeat(150),
  );
  assert.equal(readFileSync(logPath, "utf8"), "", "the runtime reopened a fresh log");
});

test("a failed reopen undoes the rename; leftovers of a compression are removed", async () => {
  const { dir, logPath, clock, m } = setup(true);
  writeFileSync(join(dir, "0.log.20261129-050000.gz.tmp"), "partial");
  writeFileSync(join(dir, "0.log.20261129-050001"), "copy");
  writeFileSync(join(dir, "0.log.20261129-050001.gz"), "compressed");
  writeFileSync(logPath, "z".repeat(200));
  clock.advance(1000);
  assert.deepEqual(await m.rotateAll(), []);
  assert.equal(readFileSync(logPath, "utf8"), "z".repeat(200));
  assert.deepEqual(readdirSync(dir).sort(), ["0.log", "0.log.20261129-050001.gz"]);
  assert.ok(!existsSync(join(dir, "0.log.20261129-060001")));
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../client/clock.ts";
import type { ContainerRuntime, ContainerState } from "../runtime/runtime.ts";
import { streamContainerLog } from "./container-logs.ts";
import type { LogOptions } from "./cri-log.ts";

const line = (s: number, text: string) => `2026-11-29T06:00:0${s}.000000000Z stdout F ${text}\n`;

function fakeRuntime(state: () => ContainerState): ContainerRuntime {
  return { containerStatus: async () => ({ state: state() }) } as unknown as ContainerRuntime;
}

async function collect(
  path: string,
  options: LogOptions,
  state: () => ContainerState,
  clock = new FakeClock(),
  watch = false,
) {
  let out = "";
  const abort = new AbortController();
  const done = streamContainerLog({
    runtime: fakeRuntime(state),
    clock,
    logPath: path,
    containerId: "c1",
    options,
    watch,
    write: (c) => (out += c),
    signal: abort.signal,
  });
  return { done, out: () => out, abort };
}

/** Runs fn on a log file holding `content` (0.log in a temporary directory, removed after). */
async function withLog(content: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-logs-"));
  try {
    const path = join(dir, "0.log");
    writeFileSync(path, content);
    await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves once the follower waits on the clock. */
async function waitingOn(clock: FakeClock): Promise<void> {
  while (clock.waiting() === 0) await new Promise((res) => setImmediate(res));
}

test("streamContainerLog without follow prints the file with the options applied", async () => {
  await withLog(line(1, "a") + line(2, "b") + line(3, "c"), async (path) => {
    const cases: [LogOptions, string][] = [
      [{}, "a\nb\nc\n"],
      [{ tailLines: 1 }, "c\n"],
      [{ limitBytes: 3 }, "a\nb"],
      [{ sinceMs: Date.parse("2026-11-29T06:00:02Z") }, "b\nc\n"],
    ];
    for (const [opts, want] of cases) {
      const r = await collect(path, opts, () => "CONTAINER_RUNNING");
      await r.done;
      assert.equal(r.out(), want, JSON.stringify(opts));
    }
    const missing = await collect(`${path}.none`, {}, () => "CONTAINER_RUNNING");
    await missing.done;
    assert.equal(missing.out(), "");
  });
});

test("streamContainerLog with follow streams appended lines and ends once the container exited", async () => {
  await withLog(line(1, "first"), async (path) => {
    let state: ContainerState = "CONTAINER_RUNNING";
    const clock = new FakeClock();
    const r = await collect(path, { follow: true }, () => state, clock);
    const untilWaiting = () => waitingOn(clock);
    await untilWaiting();
    assert.equal(r.out(), "first\n");
    appendFileSync(path, line(2, "second"));
    clock.advance(1000);
    await untilWaiting();
    assert.equal(r.out(), "first\nsecond\n");
    // The last line is written as the container exits: it is still sent.
    appendFileSync(path, line(3, "last"));
    state = "CONTAINER_EXITED";
    clock.advance(1000);
    await r.done;
    assert.equal(r.out(), "first\nsecond\nlast\n");
  });
});

test("streamContainerLog with follow stops when the client goes away", async () => {
  await withLog(line(1, "x"), async (path) => {
    const clock = new FakeClock();
    const r = await collect(path, { follow: true }, () => "CONTAINER_RUNNING", clock);
    await waitingOn(clock);
    r.abort.abort();
    await r.done;
    assert.equal(r.out(), "x\n");
  });
});

test("streamContainerLog with follow wakes on file events and follows a rotated log", async () => {
  await withLog(line(1, "one"), async (path) => {
    let state: ContainerState = "CONTAINER_RUNNING";
    const clock = new FakeClock();
    const r = await collect(path, { follow: true }, () => state, clock, true);
    await eventually(() => r.out() === "one\n" && clock.waiting() > 0);
    // No clock advance: only the file event can wake the follower.
    appendFileSync(path, line(2, "two"));
    await eventually(() => r.out() === "one\ntwo\n");
    // Rotation: the rest of the old file, then the new file from its start.
    appendFileSync(path, line(3, "three"));
    renameSync(path, `${path}.20261129-060003`);
    writeFileSync(path, line(4, "four"));
    await eventually(() => r.out() === "one\ntwo\nthree\nfour\n");
    appendFileSync(path, line(5, "five"));
    await eventually(() => r.out().endsWith("four\nfive\n"));
    state = "CONTAINER_EXITED";
    await finish(r.done, clock);
    assert.equal(r.out(), "one\ntwo\nthree\nfour\nfive\n");
  });
});

test("streamContainerLog switches to a rotated log's new file only once the runtime writes there", async () => {
  await withLog(line(1, "one"), async (path) => {
    const rotated = `${path}.20261129-060002`;
    let state: ContainerState = "CONTAINER_RUNNING";
    const clock = new FakeClock();
    const r = await collect(path, { follow: true }, () => state, clock);
    const untilWaiting = () => waitingOn(clock);
    await untilWaiting();
    // Renamed, and the runtime opened the new (still empty) file but still writes to the old one.
    renameSync(path, rotated);
    writeFileSync(path, "");
    clock.advance(1000);
    await untilWaiting();
    appendFileSync(rotated, line(2, "late-in-old"));
    appendFileSync(path, line(3, "first-in-new"));
    clock.advance(1000);
    await untilWaiting();
    assert.equal(r.out(), "one\nlate-in-old\nfirst-in-new\n");
    state = "CONTAINER_EXITED";
    clock.advance(1000);
    await r.done;
  });
});

/**
 * Advances the clock whenever the follower waits on it, until it ends (a file
 * event may have it busy reading at the moment the test would advance).
 */
async function finish(done: Promise<void>, clock: FakeClock): Promise<void> {
  let ended = false;
  void done.then(() => (ended = true));
  while (!ended) {
    if (clock.waiting() > 0) clock.advance(1000);
    await new Promise((res) => setTimeout(res, 5));
  }
  await done;
}

/** Waits (real time, generous bound) for a condition that file events make true. */
async function eventually(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !cond(); i++) await new Promise((res) => setTimeout(res, 10));
  assert.ok(cond(), "condition not reached");
}

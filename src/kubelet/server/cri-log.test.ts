import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCriLogLine, renderLog, splitLines, tailStart, type LogOptions } from "./cri-log.ts";

const file = [
  "2026-11-29T06:05:44.000000001Z stdout F one",
  "2026-11-29T06:05:45.000000002Z stderr F two",
  "2026-11-29T06:05:46.000000003Z stdout P thr",
  "2026-11-29T06:05:46.000000004Z stdout F ee",
  "2026-11-29T06:05:47.000000005Z stdout F four",
  "",
].join("\n");

test("parseCriLogLine reads time, stream, tag and content", () => {
  const cases: [string, ReturnType<typeof parseCriLogLine>][] = [
    [
      "2026-11-29T06:05:44.325461334Z stdout F hello world",
      {
        time: "2026-11-29T06:05:44.325461334Z",
        timeMs: Date.parse("2026-11-29T06:05:44.325461334Z"),
        stream: "stdout",
        full: true,
        content: "hello world",
      },
    ],
    [
      "2026-11-29T06:05:44Z stderr P part",
      {
        time: "2026-11-29T06:05:44Z",
        timeMs: Date.parse("2026-11-29T06:05:44Z"),
        stream: "stderr",
        full: false,
        content: "part",
      },
    ],
    [
      "2026-11-29T06:05:44Z stdout F",
      {
        time: "2026-11-29T06:05:44Z",
        timeMs: Date.parse("2026-11-29T06:05:44Z"),
        stream: "stdout",
        full: true,
        content: "",
      },
    ],
    ["garbage", undefined],
    ["2026-11-29T06:05:44Z other F x", undefined],
  ];
  for (const [line, want] of cases) assert.deepEqual(parseCriLogLine(line), want, line);
});

test("renderLog applies tailLines, since, timestamps and limitBytes", () => {
  const cases: [LogOptions, string][] = [
    [{}, "one\ntwo\nthree\nfour\n"],
    [{ tailLines: 2 }, "three\nfour\n"],
    [{ tailLines: 1 }, "four\n"],
    [{ tailLines: 0 }, ""],
    [{ tailLines: 10 }, "one\ntwo\nthree\nfour\n"],
    [{ sinceMs: Date.parse("2026-11-29T06:05:45Z") }, "two\nthree\nfour\n"],
    [{ limitBytes: 6 }, "one\ntw"],
    [{ timestamps: true, tailLines: 1 }, "2026-11-29T06:05:47.000000005Z four\n"],
  ];
  for (const [opts, want] of cases) assert.equal(renderLog(file, opts), want, JSON.stringify(opts));
});

test("tailStart counts a partial run as one line", () => {
  const entries = file
    .split("\n")
    .filter(Boolean)
    .map((l) => parseCriLogLine(l)!);
  assert.equal(tailStart(entries, 2), 2);
  assert.equal(tailStart(entries, undefined), 0);
});

test("splitLines keeps the unterminated rest", () => {
  assert.deepEqual(splitLines("ab", "c\nde\nf"), { lines: ["abc", "de"], rest: "f" });
  assert.deepEqual(splitLines("", "x"), { lines: [], rest: "x" });
});

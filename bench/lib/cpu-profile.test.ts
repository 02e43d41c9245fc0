import { test } from "node:test";
import assert from "node:assert/strict";
import { topSelfTime, type CpuProfile } from "./cpu-profile.ts";

const frame = (functionName: string, url = "", lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

test("topSelfTime sums sample gaps per function, skips idle, sorts by self time", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 3, 4] },
      { id: 2, callFrame: frame("decode", "file:///work/main/src/api/codec.ts", 9) },
      { id: 3, callFrame: frame("(idle)") },
      { id: 4, callFrame: frame("(garbage collector)") },
    ],
    // gaps before each sample (µs): the time of sample i is the gap before sample i+1
    samples: [2, 2, 3, 4, 2],
    timeDeltas: [0, 1000, 1000, 5000, 2000],
    startTime: 0,
    endTime: 10_000,
  };
  const top = topSelfTime(profile);
  assert.deepEqual(
    top.map((t) => [t.fn, t.selfMs]),
    [
      ["decode (src/api/codec.ts:10)", 4],
      ["(garbage collector)", 2],
    ],
  );
  assert.equal(Math.round(top[0]!.percent), 67);
  assert.deepEqual(topSelfTime({ ...profile, samples: [] }), []);
});

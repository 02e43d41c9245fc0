import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBenchArgs } from "./args.ts";

test("parseBenchArgs reads --json FILE, --json=FILE and --quick", () => {
  const cases: Array<[string[], object]> = [
    [[], { quick: false }],
    [["--json", "out.json"], { quick: false, json: "out.json" }],
    [["--json=o.json", "--quick"], { quick: true, json: "o.json" }],
  ];
  for (const [argv, want] of cases) assert.deepEqual(parseBenchArgs(argv), want);
});

test("parseBenchArgs rejects unknown flags and a missing file", () => {
  assert.throws(() => parseBenchArgs(["--fast"]), /--fast/);
  assert.throws(() => parseBenchArgs(["--json"]), /file name/);
});

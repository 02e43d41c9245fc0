import assert from "node:assert/strict";
import { test } from "node:test";
import { flag, flags, parseBenchArgs } from "./args.ts";

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

test("flag and flags read --name VALUE and --name=VALUE; absent or valueless flags fall back", () => {
  const argv = ["--pods", "30", "--root=a", "--node-arg", "--x=1", "--root", "b", "--nodes"];
  assert.equal(flag("pods", "1", argv), "30");
  assert.equal(flag("root", "", argv), "a", "the first one");
  assert.equal(flag("nodes", "5", argv), "5", "no value follows");
  assert.equal(flag("timeout", "300", argv), "300");
  assert.equal(flag("timeout", undefined, argv), undefined);
  assert.deepEqual(flags("root", argv), ["a", "b"]);
  assert.deepEqual(flags("node-arg", argv), ["--x=1"], "a value may look like a flag");
  assert.deepEqual(flags("pod", argv), [], "no prefix match");
});

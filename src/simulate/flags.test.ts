import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLabels, parseTaints } from "./flags.ts";

test("parseTaints", () => {
  const ok: [string, unknown][] = [
    ["", []],
    ["a=b:NoSchedule", [{ key: "a", value: "b", effect: "NoSchedule" }]],
    [
      "x:NoExecute,k=v:PreferNoSchedule",
      [
        { key: "x", effect: "NoExecute" },
        { key: "k", value: "v", effect: "PreferNoSchedule" },
      ],
    ],
  ];
  for (const [spec, want] of ok) assert.deepEqual(parseTaints(spec), want, spec);
  for (const bad of ["a=b", "a=b:Sometimes", ":NoSchedule"])
    assert.throws(() => parseTaints(bad), /Cannot parse taint/, bad);
});

test("parseLabels", () => {
  assert.deepEqual(parseLabels("a=1, b=two"), { a: "1", b: "two" });
  assert.deepEqual(parseLabels(""), {});
  assert.throws(() => parseLabels("nokey"), /Cannot parse label nokey/);
});

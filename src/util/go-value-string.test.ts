import { test } from "node:test";
import assert from "node:assert/strict";
import { goValueString } from "./go-value-string.ts";

test("goValueString prints JSON values as Go's %+v does", async (t) => {
  const cases: [string, unknown, string][] = [
    [
      "nested map with sorted keys",
      { spec: { x: [1, null], replicas: "a" } },
      "map[spec:map[replicas:a x:[1 <nil>]]]",
    ],
    ["empty map and slice", { a: {}, b: [] }, "map[a:map[] b:[]]"],
    ["bools and strings with spaces", [true, "a b"], "[true a b]"],
    ["fraction", 1.5, "1.5"],
    ["small fraction uses an exponent", 0.00001, "1e-05"],
    ["huge number uses an exponent", 1e21, "1e+21"],
    ["float from 1e6 uses an exponent", 12345678.5, "1.23456785e+07"],
    ["float below 1e6", 123456.5, "123456.5"],
    ["null", null, "<nil>"],
  ];
  for (const [name, value, want] of cases) {
    await t.test(name, () => assert.equal(goValueString(value), want));
  }
});

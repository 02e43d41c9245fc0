import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseQuantity } from "../quantity.ts";
import { quantityError } from "./unmarshaler-errors.ts";

const SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E"];
const BINARY = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

test("property: the plain-quantity shortcut accepts only what the parser accepts", () => {
  const digits = fc.stringMatching(/^[0-9]{1,15}$/);
  fc.assert(
    fc.property(digits, fc.constantFrom(...SUFFIXES, ...BINARY), (num, suffix) => {
      assert.ok(parseQuantity(num + suffix).ok, num + suffix);
      assert.equal(quantityError(num + suffix), undefined);
    }),
  );
});

test("quantityError reports what the parser reports outside the shortcut", () => {
  const cases: [unknown, boolean][] = [
    ["100m", true],
    ["128Mi", true],
    ["1.5", true],
    [" 1 ", true],
    [2, true],
    ["1e3", true],
    ["+1", true],
    ["1234567890123456", true],
    ["1Qi", false],
    ["abc", false],
    ["", false],
    ["1 Mi", false],
    [true, false],
  ];
  for (const [value, ok] of cases) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const parsed = parseQuantity(text.trim());
    assert.equal(parsed.ok, ok, `${JSON.stringify(value)} parses`);
    assert.equal(quantityError(value), parsed.ok ? undefined : parsed.error.message);
  }
});

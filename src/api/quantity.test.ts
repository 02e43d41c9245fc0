import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Quantity,
  QUANTITY_FORMAT_MESSAGE,
  mustParseQuantity,
  parseQuantity,
  quantityFromJSON,
} from "./quantity.ts";

test("parse then print gives upstream's canonical form", () => {
  const cases: [string, string, string][] = [
    // input, canonical string, format
    ["0", "0", "DecimalSI"],
    ["0.0", "0", "DecimalSI"],
    ["-0", "0", "DecimalSI"],
    ["1", "1", "DecimalSI"],
    ["100m", "100m", "DecimalSI"],
    ["1000m", "1", "DecimalSI"],
    ["1500m", "1500m", "DecimalSI"],
    ["0.1", "100m", "DecimalSI"],
    ["1.5", "1500m", "DecimalSI"],
    ["1.5k", "1500", "DecimalSI"],
    ["2000", "2k", "DecimalSI"],
    ["1500", "1500", "DecimalSI"],
    ["10M", "10M", "DecimalSI"],
    ["1000k", "1M", "DecimalSI"],
    ["0.5G", "500M", "DecimalSI"],
    ["1n", "1n", "DecimalSI"],
    ["1u", "1u", "DecimalSI"],
    ["0.0000000001", "1n", "DecimalSI"],
    ["-0.0000000001", "-1n", "DecimalSI"],
    ["1E", "1E", "DecimalSI"],
    ["1Ki", "1Ki", "BinarySI"],
    ["1024Ki", "1Mi", "BinarySI"],
    ["1.5Gi", "1536Mi", "BinarySI"],
    ["0.5Gi", "512Mi", "BinarySI"],
    ["8Ki", "8Ki", "BinarySI"],
    ["0.1Ki", "102400m", "BinarySI"],
    ["1023", "1023", "DecimalSI"],
    ["128974848", "128974848", "DecimalSI"],
    ["129e6", "129e6", "DecimalExponent"],
    ["1e3", "1e3", "DecimalExponent"],
    ["1000e0", "1e3", "DecimalExponent"],
    ["1.5e3", "1500", "DecimalExponent"],
    ["12e-1", "1200e-3", "DecimalExponent"],
    ["-5Mi", "-5Mi", "BinarySI"],
    // spellings upstream keeps verbatim
    ["+1", "+1", "DecimalSI"],
    ["01", "01", "DecimalSI"],
    ["1E3", "1E3", "DecimalExponent"],
  ];
  for (const [input, want, format] of cases) {
    const q = mustParseQuantity(input);
    assert.equal(q.toString(), want, input);
    assert.equal(q.format, format, input);
  }
});

test("invalid quantities report upstream's errors", () => {
  const cases: [string, string][] = [
    ["", QUANTITY_FORMAT_MESSAGE],
    ["abc", QUANTITY_FORMAT_MESSAGE],
    ["1x", QUANTITY_FORMAT_MESSAGE],
    ["1Kx", QUANTITY_FORMAT_MESSAGE],
    ["1 Gi", QUANTITY_FORMAT_MESSAGE],
    ["--1", "unable to parse quantity's suffix"],
    ["1.2.3", QUANTITY_FORMAT_MESSAGE],
    ["1KK", "unable to parse quantity's suffix"],
    ["1e", "unable to parse quantity's suffix"],
    ["1K", "unable to parse quantity's suffix"],
    ["1mi", "unable to parse quantity's suffix"],
  ];
  for (const [input, message] of cases) {
    const r = parseQuantity(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.error.message, message, input);
  }
});

test("arithmetic and comparisons are exact", () => {
  const a = mustParseQuantity("1.5Gi");
  const b = mustParseQuantity("512Mi");
  assert.equal(a.add(b).toString(), "2Gi");
  assert.equal(a.sub(b).toString(), "1Gi");
  assert.equal(a.cmp(b), 1);
  assert.equal(b.cmp(a), -1);
  assert.equal(mustParseQuantity("1000m").cmp(mustParseQuantity("1")), 0);
  assert.equal(mustParseQuantity("100m").add(mustParseQuantity("250m")).toString(), "350m");
  // zero takes the other operand's format
  assert.equal(Quantity.fromNanos(0n).add(mustParseQuantity("1Ki")).format, "BinarySI");
  assert.equal(mustParseQuantity("1").neg().toString(), "-1");
});

test("value and milliValue round away from zero", () => {
  assert.equal(mustParseQuantity("1500m").value(), 2n);
  assert.equal(mustParseQuantity("-1500m").value(), -2n);
  assert.equal(mustParseQuantity("1.5").milliValue(), 1500n);
  assert.equal(mustParseQuantity("1n").milliValue(), 1n);
  assert.equal(mustParseQuantity("1Ki").value(), 1024n);
  assert.equal(mustParseQuantity("250m").toNumber(), 0.25);
  assert.equal(Quantity.fromMilli(1500).toString(), "1500m");
  assert.equal(Quantity.fromNumber(2048, "BinarySI").toString(), "2Ki");
});

test("JSON numbers and strings both read as quantities", () => {
  const n = quantityFromJSON(2);
  assert.ok(n.ok && n.quantity.toString() === "2");
  const s = quantityFromJSON(" 64Mi ");
  assert.ok(s.ok && s.quantity.toString() === "64Mi");
  assert.equal(quantityFromJSON({}).ok, false);
  assert.equal(JSON.stringify({ cpu: mustParseQuantity("0.5") }), '{"cpu":"500m"}');
});

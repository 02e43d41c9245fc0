import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ProtoReader,
  ProtoWriter,
  WIRE_BYTES,
  WIRE_FIXED64,
  WIRE_VARINT,
  WireError,
} from "./protobuf-wire.ts";

test("varints round-trip at every length boundary, signed and unsigned", () => {
  const cases: [number | bigint, number][] = [
    [0, 1],
    [127, 1],
    [128, 2],
    [16383, 2],
    [16384, 3],
    [2 ** 31 - 1, 5],
    [2 ** 35, 6],
    [2 ** 49 - 1, 7],
    [2 ** 49, 8],
    [Number.MAX_SAFE_INTEGER, 8],
    [-1, 10],
    [-(2 ** 31), 10],
  ];
  for (const [value, size] of cases) {
    const bytes = new ProtoWriter().intField(1, value).finish();
    assert.equal(bytes.length, 1 + size, `${value} size`);
    const r = new ProtoReader(bytes);
    assert.deepEqual(r.tag(), [1, WIRE_VARINT]);
    assert.equal(r.int64(), Number(value), `${value} as int64`);
    assert.ok(r.done);
  }
  const max = new ProtoWriter().varint(0xffffffffffffffffn).finish();
  assert.equal(new ProtoReader(max).uint64(), 0xffffffffffffffffn);
  assert.equal(new ProtoReader(max).int64(), -1);
  // int32 keeps the low 32 bits, as protobuf does for a 64-bit varint in an int32 field.
  assert.equal(new ProtoReader(new ProtoWriter().varint(2 ** 32 + 5).finish()).int32(), 5);
  assert.equal(new ProtoReader(new ProtoWriter().varint(2 ** 31).finish()).int32(), -(2 ** 31));
});

test("strings, bytes and doubles round-trip", () => {
  const w = new ProtoWriter()
    .stringField(1, "ascii")
    .stringField(2, "ünï ✓ 😀")
    .stringField(3, "x".repeat(300))
    .bytesField(4, Uint8Array.of(0, 255, 7))
    .doubleField(5, -1.5)
    .boolField(6, true);
  const r = new ProtoReader(w.finish());
  const got: unknown[] = [];
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num === 4) got.push([...r.bytes()]);
    else if (wt === WIRE_BYTES) got.push(r.string());
    else if (wt === WIRE_FIXED64) got.push(r.double());
    else got.push(r.bool());
  }
  assert.deepEqual(got, ["ascii", "ünï ✓ 😀", "x".repeat(300), [0, 255, 7], -1.5, true]);
});

test("malformed input raises WireError", () => {
  const cases: [string, number[], (r: ProtoReader) => unknown][] = [
    ["truncated varint", [0x80, 0x80], (r) => r.uint64()],
    ["overlong varint", Array(11).fill(0xff), (r) => r.uint64()],
    ["field number 0", [0x00], (r) => r.tag()],
    ["length overrun", [0x0a, 0x05, 0x61], (r) => (r.tag(), r.bytes())],
    ["bad utf-8", [0x02, 0xc3, 0x28], (r) => r.string()],
    ["truncated double", [0x00, 0x00], (r) => r.double()],
    ["group wire type", [0x0b], (r) => r.skipField(r.tag()[1])],
  ];
  for (const [name, bytes, read] of cases) {
    assert.throws(() => read(new ProtoReader(Uint8Array.from(bytes))), WireError, name);
  }
});

test("skip passes over every supported wire type", () => {
  const bytes = Uint8Array.from([
    0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x02, 0x61, 0x62, 0x25, 1, 2, 3, 4, 0x28,
    0x07,
  ]);
  const r = new ProtoReader(bytes);
  for (let i = 0; i < 4; i++) r.skipField(r.tag()[1]);
  assert.deepEqual(r.tag(), [5, WIRE_VARINT]);
  assert.equal(r.int32(), 7);
  assert.ok(r.done);
});

/**
 * apiextensions' union fields of JSONSchemaProps (items, additionalProperties,
 * additionalItems, dependencies) on the protobuf wire, against bytes built by
 * hand in the layout of apiextensions-apiserver's generated.proto.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "./builtin.ts";
import { decodeMessage, ProtobufDecodeError } from "./protobuf-decode.ts";
import { encodeMessage, ProtobufEncodeError } from "./protobuf-encode.ts";

const registry = builtinSchemas();
const PROPS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";

/** A varint of a small non-negative number. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/** A length-delimited field (wire type 2). */
function ld(num: number, payload: number[] | string): number[] {
  const bytes = typeof payload === "string" ? [...Buffer.from(payload)] : payload;
  return [...varint((num << 3) | 2), ...varint(bytes.length), ...bytes];
}

/** A bool field (varint, wire type 0). */
function bool(num: number, value: boolean): number[] {
  return [...varint(num << 3), value ? 1 : 0];
}

/** JSONSchemaProps { type=5 }. */
const typed = (type: string) => ld(5, type);

test("union fields decode from and encode to the Go wire layout", () => {
  const cases: { name: string; json: Record<string, unknown>; bytes: number[] }[] = [
    {
      name: "items as one schema (OrArray.schema=1)",
      json: { type: "array", items: { type: "string" } },
      bytes: [...typed("array"), ...ld(24, ld(1, typed("string")))],
    },
    {
      name: "items as a list of schemas (OrArray.jSONSchemas=2)",
      json: { items: [{ type: "string" }, { type: "integer" }] },
      bytes: ld(24, [...ld(2, typed("string")), ...ld(2, typed("integer"))]),
    },
    {
      name: "additionalProperties false (OrBool.allows=1)",
      json: { type: "object", additionalProperties: false },
      bytes: [...typed("object"), ...ld(30, bool(1, false))],
    },
    {
      name: "additionalProperties true",
      json: { additionalProperties: true },
      bytes: ld(30, bool(1, true)),
    },
    {
      name: "additionalProperties as a schema (allows=1 true, schema=2)",
      json: { additionalProperties: { type: "integer" } },
      bytes: ld(30, [...bool(1, true), ...ld(2, typed("integer"))]),
    },
    {
      name: "additionalItems as a schema",
      json: { additionalItems: { type: "boolean" } },
      bytes: ld(33, [...bool(1, true), ...ld(2, typed("boolean"))]),
    },
    {
      name: "dependencies: property names and a schema (OrStringArray)",
      json: { dependencies: { a: ["b", "c"], d: { type: "object" } } },
      bytes: [
        ...ld(32, [...ld(1, "a"), ...ld(2, [...ld(2, "b"), ...ld(2, "c")])]),
        ...ld(32, [...ld(1, "d"), ...ld(2, ld(1, typed("object")))]),
      ],
    },
    {
      name: "nested: items of a property",
      json: { properties: { tags: { type: "array", items: { type: "string" } } } },
      bytes: ld(29, [
        ...ld(1, "tags"),
        ...ld(2, [...typed("array"), ...ld(24, ld(1, typed("string")))]),
      ]),
    },
  ];
  for (const { name, json, bytes } of cases) {
    assert.deepEqual(decodeMessage(registry, PROPS, Uint8Array.from(bytes)), json, name);
    assert.deepEqual([...encodeMessage(registry, PROPS, json)], bytes, name);
  }
});

test("empty union messages decode as Go marshals them", () => {
  const cases: { name: string; bytes: number[]; json: Record<string, unknown> }[] = [
    // OrBool with nothing set is allows=false.
    { name: "empty OrBool", bytes: ld(30, []), json: { additionalProperties: false } },
    // OrArray with neither schema nor list marshals as null: absent.
    { name: "empty OrArray", bytes: ld(24, []), json: {} },
    // A dependencies value with neither marshals as null.
    { name: "empty OrStringArray", bytes: ld(32, ld(1, "k")), json: { dependencies: { k: null } } },
  ];
  for (const { name, bytes, json } of cases) {
    assert.deepEqual(decodeMessage(registry, PROPS, Uint8Array.from(bytes)), json, name);
  }
});

test("values of neither shape and malformed union messages are rejected", () => {
  const bad: { name: string; json: Record<string, unknown>; error: RegExp }[] = [
    {
      name: "string additionalProperties",
      json: { additionalProperties: "no" },
      error: /boolean or a schema/,
    },
    { name: "boolean items", json: { items: true }, error: /schema object or a list of schemas/ },
    {
      name: "numbers in dependencies",
      json: { dependencies: { a: [1] } },
      error: /expected a string/,
    },
    {
      name: "unknown schema field in items",
      json: { items: { nope: 1 } },
      error: /unknown field "nope"/,
    },
  ];
  for (const { name, json, error } of bad) {
    assert.throws(
      () => encodeMessage(registry, PROPS, json),
      (err: unknown) => {
        assert.ok(err instanceof ProtobufEncodeError, name);
        assert.match(err.message, error, name);
        return true;
      },
    );
  }
  const malformed: { name: string; bytes: number[] }[] = [
    { name: "unknown field 3 in OrArray", bytes: ld(24, ld(3, "x")) },
    { name: "varint schema in OrBool", bytes: ld(30, [0x10, 0x01]) },
    { name: "union as a varint", bytes: [...varint(24 << 3), 1] },
  ];
  for (const { name, bytes } of malformed) {
    assert.throws(
      () => decodeMessage(registry, PROPS, Uint8Array.from(bytes)),
      ProtobufDecodeError,
      name,
    );
  }
});

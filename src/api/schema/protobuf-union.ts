/**
 * apiextensions' union messages on the protobuf wire. In JSON each is one
 * value of two shapes; on the wire it is a small message:
 *
 *   JSONSchemaPropsOrArray        schema=1 (JSONSchemaProps), jSONSchemas=2 (repeated)
 *                                 JSON: the array when it has items, else the schema
 *   JSONSchemaPropsOrBool         allows=1 (bool), schema=2
 *                                 JSON: the schema when set, else the bool
 *   JSONSchemaPropsOrStringArray  schema=1, property=2 (repeated string)
 *                                 JSON: the strings when any, else the schema
 *
 * This follows the Go types' MarshalJSON/UnmarshalJSON: a schema given for
 * an OrBool also sets allows=true. Callers supply how to read and write the
 * JSONSchemaProps messages and how to report errors.
 */
import { ProtoReader, ProtoWriter, WIRE_BYTES, WIRE_VARINT } from "./protobuf-wire.ts";
import type { FieldOptions } from "./types.ts";

export type UnionKind = NonNullable<FieldOptions["union"]>;

/** How union decoding reads JSONSchemaProps messages and reports failures. */
export interface UnionDecodeIo<E extends Error> {
  decodeSchema(r: ProtoReader, path: string): Record<string, unknown>;
  error(path: string, message: string): E;
}

/** How union encoding writes JSONSchemaProps messages and reports failures. */
export interface UnionEncodeIo<E extends Error> {
  encodeSchema(value: unknown, path: string): Uint8Array;
  error(path: string, message: string): E;
}

/** The JSON value of one union message; undefined when it holds nothing (JSON null). */
export function decodeUnion<E extends Error>(
  kind: UnionKind,
  r: ProtoReader,
  path: string,
  io: UnionDecodeIo<E>,
): unknown {
  let schema: Record<string, unknown> | undefined;
  let allows = false;
  const many: unknown[] = [];
  while (!r.done) {
    const [num, wt] = r.tag();
    const schemaNum = kind === "JSONSchemaPropsOrBool" ? 2 : 1;
    if (num === schemaNum) {
      expect(wt, WIRE_BYTES, path, io);
      schema = io.decodeSchema(r.message(), path);
    } else if (num === 1 && kind === "JSONSchemaPropsOrBool") {
      expect(wt, WIRE_VARINT, path, io);
      allows = r.bool();
    } else if (num === 2 && kind === "JSONSchemaPropsOrArray") {
      expect(wt, WIRE_BYTES, path, io);
      many.push(io.decodeSchema(r.message(), `${path}[${many.length}]`));
    } else if (num === 2 && kind === "JSONSchemaPropsOrStringArray") {
      expect(wt, WIRE_BYTES, path, io);
      many.push(r.string());
    } else {
      throw io.error(path, `unknown field number ${num} (wire type ${wt}) in ${kind}`);
    }
  }
  if (kind === "JSONSchemaPropsOrBool") return schema ?? allows;
  return many.length > 0 ? many : schema;
}

/** One map entry (key 1, value 2) whose value is a union message, into `map`; an empty value is JSON null. */
export function decodeUnionMapEntry<E extends Error>(
  map: Record<string, unknown>,
  kind: UnionKind,
  r: ProtoReader,
  path: string,
  io: UnionDecodeIo<E>,
): void {
  let key = "";
  let value: unknown;
  while (!r.done) {
    const [num, wt] = r.tag();
    expect(wt, WIRE_BYTES, path, io);
    if (num === 1) key = r.string();
    else if (num === 2)
      value = decodeUnion(kind, r.message(), `${path}[${JSON.stringify(key)}]`, io);
    else throw io.error(path, `unknown field number ${num} in map entry`);
  }
  map[key] = value ?? null;
}

/** The union message carrying a JSON value; throws `io.error` when the value has neither shape. */
export function encodeUnion<E extends Error>(
  kind: UnionKind,
  value: unknown,
  path: string,
  io: UnionEncodeIo<E>,
): Uint8Array {
  const w = new ProtoWriter();
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  switch (kind) {
    case "JSONSchemaPropsOrBool":
      if (typeof value === "boolean") return w.boolField(1, value).finish();
      if (isObject)
        return w.boolField(1, true).bytesField(2, io.encodeSchema(value, path)).finish();
      throw io.error(path, "expected a boolean or a schema object");
    case "JSONSchemaPropsOrArray":
      if (isObject) return w.bytesField(1, io.encodeSchema(value, path)).finish();
      if (Array.isArray(value)) {
        value.forEach((item, i) => w.bytesField(2, io.encodeSchema(item, `${path}[${i}]`)));
        return w.finish();
      }
      throw io.error(path, "expected a schema object or a list of schemas");
    case "JSONSchemaPropsOrStringArray":
      if (isObject) return w.bytesField(1, io.encodeSchema(value, path)).finish();
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (typeof item !== "string") throw io.error(`${path}[${i}]`, "expected a string");
          w.stringField(2, item);
        });
        return w.finish();
      }
      throw io.error(path, "expected a schema object or a list of strings");
  }
}

function expect<E extends Error>(
  got: number,
  want: number,
  path: string,
  io: UnionDecodeIo<E>,
): void {
  if (got !== want) throw io.error(path, `wire type ${got} does not fit (want ${want})`);
}

/**
 * Encodes the JSON form of an object as a protobuf message, driven by the
 * schema table: the inverse of protobuf-decode.ts. Fields are written in
 * field-number order, repeated scalars unpacked and map entries sorted by key,
 * as Go's generated marshallers do. JSON null counts as absent.
 */
import { parseDuration, parseTime } from "./go-formats.ts";
import { messagePlan, type FieldPlan, type MessagePlan } from "./protobuf-plan.ts";
import { encodeUnion, type UnionEncodeIo } from "./protobuf-union.ts";
import { ProtoWriter } from "./protobuf-wire.ts";
import type { SchemaRegistry, TypeRef } from "./schema-registry.ts";

/** A value that does not fit the schema; `path` is its JSON path. */
export class ProtobufEncodeError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = "ProtobufEncodeError";
    this.path = path;
  }
}

const NO_KEYS: ReadonlySet<string> = new Set();

export interface EncodeOptions {
  /** Top-level keys to skip instead of rejecting (e.g. apiVersion, kind). */
  skipKeys?: readonly string[];
}

/** Encodes `obj` as a message of `typeName`. Unknown fields throw. */
export function encodeMessage(
  registry: SchemaRegistry,
  typeName: string,
  obj: Record<string, unknown>,
  opts: EncodeOptions = {},
): Uint8Array {
  const w = new ProtoWriter();
  writeMessage(w, registry, messagePlan(registry, typeName), obj, "", new Set(opts.skipKeys ?? []));
  return w.finish();
}

function writeMessage(
  w: ProtoWriter,
  registry: SchemaRegistry,
  plan: MessagePlan,
  obj: unknown,
  path: string,
  skip: ReadonlySet<string> = NO_KEYS,
): void {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new ProtobufEncodeError(path, `expected an object for ${plan.typeName}`);
  }
  const record = obj as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!plan.byName.has(key) && !skip.has(key) && record[key] !== undefined) {
      throw new ProtobufEncodeError(path, `unknown field "${key}" in ${plan.typeName}`);
    }
  }
  for (const entry of plan.order) {
    if (entry.kind === "inline") {
      const sub = new ProtoWriter();
      writeMessage(sub, registry, entry.plan, pick(record, entry.plan), path);
      w.bytesField(entry.num, sub.finish());
      continue;
    }
    const value = record[entry.field.name];
    if (value === undefined || value === null) continue;
    writeField(
      w,
      registry,
      entry.field,
      value,
      path ? `${path}.${entry.field.name}` : entry.field.name,
    );
  }
}

/** The subset of `record` an inline plan covers. */
function pick(record: Record<string, unknown>, plan: MessagePlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of plan.byName.keys()) if (name in record) out[name] = record[name];
  return out;
}

function writeField(
  w: ProtoWriter,
  registry: SchemaRegistry,
  field: FieldPlan,
  value: unknown,
  path: string,
): void {
  const { type, union } = field;
  if (union !== undefined) {
    const io: UnionEncodeIo<ProtobufEncodeError> = {
      encodeSchema: (v, p) => {
        const sub = new ProtoWriter();
        writeMessage(sub, registry, messagePlan(registry, union.schemaType), v, p);
        return sub.finish();
      },
      error: (p, message) => new ProtobufEncodeError(p, message),
    };
    if (type.kind !== "map") {
      w.bytesField(field.num, encodeUnion(union.kind, value, path, io));
      return;
    }
    if (typeof value !== "object" || Array.isArray(value))
      throw new ProtobufEncodeError(path, "expected a map");
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map).sort()) {
      const entry = new ProtoWriter().stringField(1, key);
      const v = map[key];
      if (v !== null && v !== undefined)
        entry.bytesField(2, encodeUnion(union.kind, v, `${path}[${JSON.stringify(key)}]`, io));
      w.bytesField(field.num, entry.finish());
    }
    return;
  }
  if (type.kind === "list") {
    if (!Array.isArray(value)) throw new ProtobufEncodeError(path, "expected a list");
    if (field.wrapped) {
      w.bytesField(field.num, wrapList(registry, type.of, value, path));
      return;
    }
    value.forEach((item, i) => writeValue(w, registry, field.num, type.of, item, `${path}[${i}]`));
    return;
  }
  if (type.kind === "map") {
    if (typeof value !== "object" || Array.isArray(value))
      throw new ProtobufEncodeError(path, "expected a map");
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map).sort()) {
      const entry = new ProtoWriter().stringField(1, key);
      const vpath = `${path}[${JSON.stringify(key)}]`;
      const v = map[key];
      if (type.of.kind === "list" && field.wrapped) {
        if (!Array.isArray(v)) throw new ProtobufEncodeError(vpath, "expected a list");
        entry.bytesField(2, wrapList(registry, type.of.of, v, vpath));
      } else if (v !== null && v !== undefined) {
        writeValue(entry, registry, 2, type.of, v, vpath);
      }
      w.bytesField(field.num, entry.finish());
    }
    return;
  }
  writeValue(w, registry, field.num, type, value, path);
}

function wrapList(
  registry: SchemaRegistry,
  of: TypeRef,
  items: unknown[],
  path: string,
): Uint8Array {
  const inner = new ProtoWriter();
  items.forEach((item, i) => writeValue(inner, registry, 1, of, item, `${path}[${i}]`));
  return inner.finish();
}

function writeValue(
  w: ProtoWriter,
  registry: SchemaRegistry,
  num: number,
  type: TypeRef,
  value: unknown,
  path: string,
): void {
  switch (type.kind) {
    case "scalar":
      writeScalar(w, num, type.name, value, path);
      return;
    case "special":
      w.bytesField(num, encodeSpecial(type.name, value, path));
      return;
    case "ref": {
      const sub = new ProtoWriter();
      writeMessage(sub, registry, messagePlan(registry, type.name), value, path);
      w.bytesField(num, sub.finish());
      return;
    }
    default:
      throw new ProtobufEncodeError(path, "nested list or map types are not supported");
  }
}

function writeScalar(
  w: ProtoWriter,
  num: number,
  name: string,
  value: unknown,
  path: string,
): void {
  switch (name) {
    case "string":
      w.stringField(num, expect<string>(value, "string", path));
      return;
    case "bytes":
      w.bytesField(num, Buffer.from(expect<string>(value, "string", path), "base64"));
      return;
    case "bool":
      w.boolField(num, expect<boolean>(value, "boolean", path));
      return;
    case "int32":
    case "int64": {
      if (typeof value === "bigint") {
        w.intField(num, value);
        return;
      }
      const n = expect<number>(value, "number", path);
      if (!Number.isInteger(n))
        throw new ProtobufEncodeError(path, `expected an integer, got ${n}`);
      w.intField(num, n);
      return;
    }
    case "double":
      w.doubleField(num, expect<number>(value, "number", path));
      return;
  }
  throw new ProtobufEncodeError(path, `unsupported scalar ${name}`);
}

function encodeSpecial(name: string, value: unknown, path: string): Uint8Array {
  const w = new ProtoWriter();
  try {
    switch (name) {
      case "Time":
      case "MicroTime": {
        const { seconds, nanos } = parseTime(expect<string>(value, "string", path));
        w.intField(1, seconds).intField(2, nanos);
        break;
      }
      case "Duration":
        w.intField(1, parseDuration(expect<string>(value, "string", path)));
        break;
      case "Quantity":
        w.stringField(
          1,
          typeof value === "number" ? String(value) : expect<string>(value, "string", path),
        );
        break;
      case "IntOrString":
        if (typeof value === "number") w.intField(1, 0).intField(2, value).stringField(3, "");
        else
          w.intField(1, 1)
            .intField(2, 0)
            .stringField(3, expect<string>(value, "string", path));
        break;
      case "RawExtension":
      case "JSON":
        w.stringField(1, JSON.stringify(value));
        break;
      default:
        throw new ProtobufEncodeError(path, `unsupported special type ${name}`);
    }
  } catch (err) {
    if (err instanceof ProtobufEncodeError) throw err;
    throw new ProtobufEncodeError(path, (err as Error).message);
  }
  return w.finish();
}

function expect<T>(value: unknown, jsType: string, path: string): T {
  if (typeof value !== jsType)
    throw new ProtobufEncodeError(path, `expected a ${jsType}, got ${typeof value}`);
  return value as T;
}

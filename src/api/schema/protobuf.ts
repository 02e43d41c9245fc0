/**
 * The Kubernetes protobuf envelope (`application/vnd.kubernetes.protobuf`):
 * the 4 magic bytes "k8s\0", then a runtime.Unknown message
 *   1: typeMeta {1: apiVersion, 2: kind}
 *   2: raw (the object's own message)
 *   3: contentEncoding (must be empty)
 *   4: contentType (empty or application/vnd.kubernetes.protobuf)
 * The object's message is decoded by the schema table into the JSON object
 * model the rest of the server uses, with apiVersion and kind set.
 */
import { StatusError } from "../status.ts";
import type { KObject } from "../types.ts";
import { decodeMessage, ProtobufDecodeError, type DecodeOptions } from "./protobuf-decode.ts";
import { encodeMessage } from "./protobuf-encode.ts";
import { ProtoReader, ProtoWriter, WIRE_BYTES, WireError } from "./protobuf-wire.ts";
import type { SchemaRegistry } from "./schema-registry.ts";

export { ProtobufDecodeError } from "./protobuf-decode.ts";
export { ProtobufEncodeError } from "./protobuf-encode.ts";

/** Media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

/** The 4-byte prefix of every Kubernetes protobuf body: "k8s\0". */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface KubernetesProtobufOptions {
  /** Unknown protobuf field numbers: "error" (default; a 400) or "ignore". */
  unknownFields?: DecodeOptions["unknownFields"];
}

/** The envelope's parts, before the object itself is decoded. */
export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Splits "apps/v1" into group "apps", version "v1" ("v1" is the core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Reads the envelope without decoding the object. Throws StatusError
 * BadRequest (400) when the body is not a Kubernetes protobuf envelope.
 */
export function readProtobufEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length < 4 || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw badRequest("body does not start with the protobuf magic bytes k8s\\0");
  }
  const env: ProtobufEnvelope = {
    apiVersion: "",
    kind: "",
    raw: new Uint8Array(0),
    contentEncoding: "",
    contentType: "",
  };
  try {
    const r = new ProtoReader(body, 4);
    while (!r.done) {
      const [num, wt] = r.tag();
      if (num >= 1 && num <= 4 && wt !== WIRE_BYTES)
        throw new WireError(`field ${num} has wire type ${wt}`);
      if (num === 1) {
        const tm = r.message();
        while (!tm.done) {
          const [n, w] = tm.tag();
          if (n === 1 && w === WIRE_BYTES) env.apiVersion = tm.string();
          else if (n === 2 && w === WIRE_BYTES) env.kind = tm.string();
          else throw new WireError(`unknown TypeMeta field ${n}`);
        }
      } else if (num === 2) env.raw = r.bytes();
      else if (num === 3) env.contentEncoding = r.string();
      else if (num === 4) env.contentType = r.string();
      else throw new WireError(`unknown runtime.Unknown field ${num}`);
    }
  } catch (err) {
    if (err instanceof WireError) throw badRequest(`malformed envelope: ${err.message}`);
    throw err;
  }
  return env;
}

/**
 * Decodes a Kubernetes protobuf request body into its JSON object form.
 * Every failure (bad envelope, unregistered kind, malformed or unknown
 * fields) is a StatusError BadRequest; nothing else is thrown for bad input.
 */
export function decodeKubernetesProtobuf(
  body: Uint8Array,
  registry: SchemaRegistry,
  opts: KubernetesProtobufOptions = {},
): KObject {
  return decodeEnvelope(body, registry, opts, 0);
}

/** Envelopes nested in RawExtensions deeper than this are rejected. */
const MAX_EMBEDDING = 8;

function decodeEnvelope(
  body: Uint8Array,
  registry: SchemaRegistry,
  opts: KubernetesProtobufOptions,
  level: number,
): KObject {
  if (level > MAX_EMBEDDING)
    throw badRequest(`protobuf objects embedded deeper than ${MAX_EMBEDDING}`);
  const env = readProtobufEnvelope(body);
  if (env.contentEncoding !== "") {
    throw badRequest(`unsupported protobuf content encoding "${env.contentEncoding}"`);
  }
  if (env.contentType !== "" && env.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw badRequest(`unsupported protobuf content type "${env.contentType}"`);
  }
  if (env.kind === "") throw badRequest("Object 'Kind' is missing in protobuf envelope");
  if (env.apiVersion === "")
    throw badRequest("Object 'apiVersion' is missing in protobuf envelope");
  const { group, version } = parseApiVersion(env.apiVersion);
  const typeName = registry.typeForKind(group, version, env.kind);
  if (typeName === undefined) {
    throw badRequest(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
  }
  try {
    const obj = decodeMessage(registry, typeName, env.raw, {
      unknownFields: opts.unknownFields,
      decodeEmbedded: (raw) => decodeEnvelope(raw, registry, opts, level + 1),
    });
    return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
  } catch (err) {
    if (err instanceof ProtobufDecodeError) {
      throw badRequest(`unable to decode ${env.apiVersion}, Kind=${env.kind}: ${err.message}`);
    }
    throw err;
  }
}

/**
 * Encodes an object (with apiVersion and kind) as a Kubernetes protobuf body.
 * Throws ProtobufEncodeError when the object does not fit its schema, and
 * Error when its kind is not registered.
 */
export function encodeKubernetesProtobuf(obj: KObject, registry: SchemaRegistry): Uint8Array {
  const apiVersion = obj.apiVersion ?? "";
  const kind = obj.kind ?? "";
  const { group, version } = parseApiVersion(apiVersion);
  const typeName = registry.typeForKind(group, version, kind);
  if (typeName === undefined) {
    throw new Error(
      `Cannot encode protobuf: no kind "${kind}" is registered for version "${apiVersion}"`,
    );
  }
  const raw = encodeMessage(registry, typeName, obj, { skipKeys: ["apiVersion", "kind"] });
  const typeMeta = new ProtoWriter().stringField(1, apiVersion).stringField(2, kind).finish();
  const unknown = new ProtoWriter()
    .bytesField(1, typeMeta)
    .bytesField(2, raw)
    .stringField(3, "")
    .stringField(4, "")
    .finish();
  const out = new Uint8Array(PROTOBUF_MAGIC.length + unknown.length);
  out.set(PROTOBUF_MAGIC);
  out.set(unknown, PROTOBUF_MAGIC.length);
  return out;
}

function badRequest(message: string): StatusError {
  return new StatusError("BadRequest", message);
}

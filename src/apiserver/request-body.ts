/**
 * Reading and decoding request bodies: at most 3 MiB (413 beyond), decoded by
 * Content-Type (JSON, YAML, Kubernetes protobuf); patch bodies are returned
 * as their patch type. Decoding failures are 400s with upstream-like
 * messages; unknown content types are 415.
 */
import type { IncomingMessage } from "node:http";
import { StatusError } from "../api/status.ts";
import { LightRequest } from "./http/light-request.ts";

/** Upstream's maximum request body size. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
/** Nesting deeper than this is rejected before any recursive processing. */
export const MAX_JSON_DEPTH = 1000;

export type PatchType = "json" | "merge" | "strategic" | "apply";

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

/** Who wants to see each request's body once it is read (the audit log's requestObject). */
const bodyObservers = new WeakMap<IncomingMessage, (body: Buffer) => void>();

/** Has `observe` called with the body when a handler has read it whole (readBody). */
export function observeBody(req: IncomingMessage, observe: (body: Buffer) => void): void {
  bodyObservers.set(req, observe);
}

/** Reads the whole body, failing with 413 past `limit` bytes. */
export async function readBody(
  req: IncomingMessage,
  limit = MAX_REQUEST_BODY_BYTES,
): Promise<Buffer> {
  // The lean HTTP path read the body (within the limit) before dispatching.
  if (req instanceof LightRequest) {
    if (req.readableEnded) return Buffer.alloc(0);
    const body = req.takeBody();
    if (body.length > limit) throw tooLarge(limit);
    bodyObservers.get(req)?.(body);
    return body;
  }
  const declared = Number(req.headers["content-length"] ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    await drain(req, 0);
    throw tooLarge(limit);
  }
  if (req.readableEnded) return Buffer.alloc(0);
  if (req.destroyed) throw prematureClose();
  // Listeners, not `for await`: the stream's async iterator costs ~5% of a
  // small write (end-of-stream tracking per request).
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        req.pause();
        // Then destroyed, as leaving a `for await` over it early does.
        drain(req, size).then(() => {
          req.destroy();
          reject(tooLarge(limit));
        }, reject);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      bodyObservers.get(req)?.(body);
      resolve(body);
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    // Closed before its end (the client went away): as the stream's iterator reports it.
    const onClose = () => {
      stop();
      reject(prematureClose());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** What a stream's async iterator throws when the stream closes before its end. */
function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

/** How much of an oversized body is read and dropped before the 413 goes out. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Reads and drops the rest of an oversized body (bounded in bytes and time),
 * so a client still sending it gets the 413 instead of a broken pipe when the
 * connection closes after the answer (HTTP/1.1 clients such as kubectl).
 */
async function drain(req: IncomingMessage, alreadyRead: number): Promise<void> {
  if (req.readableEnded || req.destroyed) return;
  await new Promise<void>((resolve) => {
    let read = alreadyRead;
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", done);
      req.off("close", done);
      req.off("error", done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_LIMIT_BYTES) {
        req.pause();
        done();
      }
    };
    const timer = setTimeout(done, DRAIN_TIMEOUT_MS);
    req.on("data", onData);
    req.once("end", done);
    req.once("close", done);
    req.once("error", done);
    req.resume();
  });
}

function tooLarge(limit: number): StatusError {
  return new StatusError("RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
}

/** The media type without parameters, lowercased ("" when absent). */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Decoder for protobuf bodies, supplied by the schema module. */
export type ProtobufDecoder = (bytes: Uint8Array) => Promise<Record<string, unknown>>;

/**
 * Decodes an object body (create/update/subresource POSTs).
 * JSON when the content type is absent, as upstream.
 */
export async function decodeObjectBody(
  body: Buffer,
  contentType: string | undefined,
  decodeProtobuf?: ProtobufDecoder,
): Promise<Record<string, unknown>> {
  const type = mediaType(contentType);
  switch (type) {
    case "":
    case "application/json":
    case "*/*":
      return asObject(parseJSON(body));
    case "application/yaml":
    case "application/x-yaml":
    case "text/yaml":
      return asObject(await parseYAML(body));
    case "application/vnd.kubernetes.protobuf":
      if (!decodeProtobuf) throw unsupported(contentType ?? "");
      try {
        return await decodeProtobuf(body);
      } catch (err) {
        if (err instanceof StatusError) throw err;
        throw new StatusError(
          "BadRequest",
          `the body of the request could not be decoded as protobuf: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    default:
      throw unsupported(contentType ?? "");
  }
}

/** The patch type of a PATCH request's content type; 415 otherwise. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = PATCH_TYPES[mediaType(contentType)];
  if (!type) {
    throw new StatusError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(", ")}`,
    );
  }
  return type;
}

/** Parses a patch body: JSON for json/merge/strategic, YAML (a JSON superset) for apply. */
export async function decodePatchBody(body: Buffer, type: PatchType): Promise<unknown> {
  if (type === "apply") return asObject(await parseYAML(body));
  const value = parseJSON(body);
  if (type === "json") {
    if (!Array.isArray(value)) {
      throw new StatusError(
        "BadRequest",
        "the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch",
      );
    }
    return value;
  }
  return asObject(value);
}

function unsupported(contentType: string): StatusError {
  return new StatusError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got "${contentType}")`,
  );
}

/** JSON.parse with upstream-style error text and a nesting limit. */
export function parseJSON(body: Buffer): unknown {
  return parseJSONText(body.toString("utf8"));
}

/** A JSON object body given as text (as decodeObjectBody decodes a JSON body). */
export function decodeJSONObject(text: string): Record<string, unknown> {
  return asObject(parseJSONText(text));
}

/** parseJSON of a body already decoded as UTF-8. */
export function parseJSONText(text: string): unknown {
  if (isBlank(text)) {
    throw new StatusError(
      "BadRequest",
      "couldn't get version/kind; json parse error: unexpected end of JSON input",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StatusError(
      "BadRequest",
      `couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (openingBrackets(text) > MAX_JSON_DEPTH) checkDepth(value);
  return value;
}

/** Whether text is empty or white space only (as `text.trim() === ""`, without the copy). */
function isBlank(text: string): boolean {
  const first = text.charCodeAt(0); // NaN when empty
  // A printable ASCII character is never white space.
  if (first > 0x20 && first < 0x7f) return false;
  return text.trim() === "";
}

/**
 * The number of "[" and "{" in text, counted up to MAX_JSON_DEPTH + 1: a
 * bound on the nesting of what it parses to (each level opens one), so only
 * texts that could be too deep are walked by checkDepth.
 */
function openingBrackets(text: string): number {
  // Each level also closes: a text this short cannot be too deep.
  if (text.length <= 2 * MAX_JSON_DEPTH) return 0;
  let n = 0;
  for (let i = 0; i < text.length && n <= MAX_JSON_DEPTH; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) n++;
  }
  return n;
}

/**
 * An upper bound on a YAML text's nesting: open flow brackets carried across
 * lines plus, per line, its indentation and the block sequence dashes and
 * flow brackets opened on it. The YAML parser recurses once per level, and
 * too deep a document exhausts the stack in places V8 cannot recover from,
 * so over-deep texts are refused before parsing.
 */
export function yamlNestingBound(text: string): number {
  let flow = 0;
  let max = 0;
  let quote = "";
  let lineStart = true;
  let lineDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      // Quoted scalars may span lines: the quote state carries over.
      lineStart = true;
      lineDepth = 0;
      continue;
    }
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (lineStart && (c === " " || c === "-")) {
      lineDepth++;
    } else {
      lineStart = false;
      // A quote opens a quoted scalar only where a scalar can start.
      if ((c === '"' || c === "'") && (i === 0 || " \t[{,:-".includes(text[i - 1]))) quote = c;
      else if (c === "#" && (i === 0 || text[i - 1] === " " || text[i - 1] === "\t")) {
        while (i + 1 < text.length && text[i + 1] !== "\n") i++;
      } else if (c === "[" || c === "{") flow++;
      else if ((c === "]" || c === "}") && flow > 0) flow--;
    }
    max = Math.max(max, flow + lineDepth);
  }
  return max;
}

async function parseYAML(body: Buffer): Promise<unknown> {
  const text = body.toString("utf8");
  if (yamlNestingBound(text) > MAX_JSON_DEPTH) {
    throw new StatusError(
      "BadRequest",
      `error converting YAML to JSON: yaml: exceeded max depth of ${MAX_JSON_DEPTH}`,
    );
  }
  yamlModule ??= import("yaml");
  const { parseDocument } = await yamlModule;
  let value: unknown;
  try {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) throw doc.errors[0];
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new StatusError(
      "BadRequest",
      `error converting YAML to JSON: yaml: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
  checkDepth(value);
  return value;
}

/** Import cache: YAML is loaded on the first YAML body only. */
let yamlModule: Promise<typeof import("yaml")> | undefined;

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const what = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    throw new StatusError(
      "BadRequest",
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  return value as Record<string, unknown>;
}

/** Rejects values nested deeper than MAX_JSON_DEPTH (iteratively: no stack overflow). */
export function checkDepth(value: unknown, max = MAX_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) {
      throw new StatusError("BadRequest", `json: exceeded max depth of ${max}`);
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
}

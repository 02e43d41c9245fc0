/**
 * RFC 6902 JSON Patch (`application/json-patch+json`), applied as
 * kube-apiserver applies it: a malformed patch document is 400 BadRequest,
 * more than 10000 operations is 413, and an operation that does not apply
 * (failed test, missing path, bad index) is 422 Invalid.
 */
import { StatusError } from "../status.ts";
import { badPatch, isJsonObject, patchNotApplicable } from "./patch-errors.ts";
import { copyJson, jsonEqual } from "../../util/json-copy.ts";

/** Upstream's cap on operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

/** Splits a JSON pointer into unescaped tokens ("/a~1b/~0c" → ["a/b", "~c"]). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) {
    throw patchNotApplicable(`JSON pointer must be empty or start with a "/": ${pointer}`);
  }
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Escapes one token for use in a JSON pointer. */
export function escapeJsonPointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * Checks the shape of a decoded patch body: an array of objects. Throws 400
 * (wrong shape) or 413 (too many operations). Operation fields are checked
 * when applied, as upstream does.
 */
export function decodeJsonPatch(patch: unknown): Record<string, unknown>[] {
  if (!Array.isArray(patch)) {
    const kind = patch === null ? "null" : typeof patch;
    throw badPatch(`json: cannot unmarshal ${kind} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (!isJsonObject(op)) {
      throw badPatch("json: cannot unmarshal non-object into Go value of type jsonpatch.Operation");
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(
      "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  return patch as Record<string, unknown>[];
}

/**
 * Applies a JSON patch to `doc` and returns the new document. `doc` is never
 * mutated; on any failure nothing is returned and the error is a StatusError.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodeJsonPatch(patch);
  let result = copyJson(doc);
  for (const op of ops) result = applyOperation(result, op);
  return result;
}

function stringField(op: Record<string, unknown>, name: string): string {
  const v = op[name];
  if (typeof v !== "string") {
    throw patchNotApplicable(`operation missing "${name}" field`);
  }
  return v;
}

function applyOperation(doc: unknown, op: Record<string, unknown>): unknown {
  const kind = op.op;
  const path = stringField(op, "path");
  switch (kind) {
    case "add":
      if (!Object.hasOwn(op, "value"))
        throw patchNotApplicable(`add operation missing value: ${path}`);
      return add(doc, parseJsonPointer(path), copyJson(op.value), "add");
    case "remove":
      return remove(doc, parseJsonPointer(path), "remove").doc;
    case "replace": {
      if (!Object.hasOwn(op, "value"))
        throw patchNotApplicable(`replace operation missing value: ${path}`);
      const tokens = parseJsonPointer(path);
      if (tokens.length === 0) return copyJson(op.value);
      const removed = remove(doc, tokens, "replace");
      return add(removed.doc, tokens, copyJson(op.value), "replace", removed.index);
    }
    case "move": {
      const from = stringField(op, "from");
      if (path !== from && path.startsWith(from + "/")) {
        throw patchNotApplicable(`move operation cannot move ${from} into its own child ${path}`);
      }
      const removed = remove(doc, parseJsonPointer(from), "move");
      return add(removed.doc, parseJsonPointer(path), removed.value, "move");
    }
    case "copy": {
      const value = get(doc, parseJsonPointer(stringField(op, "from")), "copy");
      return add(doc, parseJsonPointer(path), copyJson(value), "copy");
    }
    case "test": {
      const tokens = parseJsonPointer(path);
      const actual = tryGet(doc, tokens);
      const expected = op.value ?? null;
      if (!jsonEqual(actual.found ? actual.value : null, expected)) {
        throw patchNotApplicable(`testing value ${path} failed: test failed`);
      }
      return doc;
    }
    default:
      throw patchNotApplicable(`Unexpected kind: ${String(kind)}`);
  }
}

function arrayIndex(token: string, length: number, allowEnd: boolean, opName: string): number {
  if (allowEnd && token === "-") return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw patchNotApplicable(
      `${opName} operation does not apply: invalid array index ${JSON.stringify(token)}`,
    );
  }
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) {
    throw patchNotApplicable(`${opName} operation does not apply: index out of bounds: ${token}`);
  }
  return i;
}

function tryGet(doc: unknown, tokens: string[]): { found: boolean; value?: unknown } {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t) || Number(t) >= cur.length) return { found: false };
      cur = cur[Number(t)];
    } else if (isJsonObject(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

function get(doc: unknown, tokens: string[], opName: string): unknown {
  const r = tryGet(doc, tokens);
  if (!r.found)
    throw patchNotApplicable(
      `${opName} operation does not apply: doc is missing path: ${pointerOf(tokens)}`,
    );
  return r.value;
}

function pointerOf(tokens: string[]): string {
  return tokens.map((t) => "/" + escapeJsonPointerToken(t)).join("");
}

/** The container holding the last token, or a 422 if the parent is missing. */
function parentOf(doc: unknown, tokens: string[], opName: string): unknown {
  const parent = tryGet(doc, tokens.slice(0, -1));
  if (!parent.found || parent.value === null || typeof parent.value !== "object") {
    throw patchNotApplicable(
      `${opName} operation does not apply: doc is missing path: ${pointerOf(tokens)}`,
    );
  }
  return parent.value;
}

function add(doc: unknown, tokens: string[], value: unknown, opName: string, at?: number): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, opName);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = at ?? arrayIndex(last, parent.length, true, opName);
    parent.splice(i, 0, value);
  } else {
    (parent as Record<string, unknown>)[last] = value;
  }
  return doc;
}

function remove(
  doc: unknown,
  tokens: string[],
  opName: string,
): { doc: unknown; value: unknown; index?: number } {
  if (tokens.length === 0) {
    if (opName === "remove")
      throw patchNotApplicable("remove operation does not apply: cannot remove the whole document");
    return { doc: null, value: doc };
  }
  const parent = parentOf(doc, tokens, opName);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false, opName);
    const [value] = parent.splice(i, 1);
    return { doc, value, index: i };
  }
  const obj = parent as Record<string, unknown>;
  if (!Object.hasOwn(obj, last)) {
    throw patchNotApplicable(
      `${opName} operation does not apply: doc is missing key: ${pointerOf(tokens)}`,
    );
  }
  const value = obj[last];
  delete obj[last];
  return { doc, value };
}

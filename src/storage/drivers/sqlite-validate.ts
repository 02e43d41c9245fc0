import { MAX_VALUE_BYTES } from "../backend.ts";
import { StorageError } from "../errors.ts";

/**
 * Input checks every driver applies before touching storage, so bad input
 * fails the same way everywhere: InvalidArgument for wrong types or empty
 * keys, TooLarge for values over MAX_VALUE_BYTES (UTF-8 bytes).
 */

/** Throws InvalidArgument unless key is a non-empty string. */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string") {
    throw new StorageError("InvalidArgument", `Invalid key: expected a string, got ${typeof key}`);
  }
  if (key.length === 0) throw new StorageError("InvalidArgument", "Invalid key: key is empty");
}

/** Throws InvalidArgument unless prefix is a string (may be empty: every key). */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string") {
    throw new StorageError(
      "InvalidArgument",
      `Invalid prefix: expected a string, got ${typeof prefix}`,
    );
  }
}

/** Throws InvalidArgument for a non-string value, TooLarge past MAX_VALUE_BYTES. */
export function checkValue(key: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new StorageError(
      "InvalidArgument",
      `Invalid value for ${key}: expected a string, got ${typeof value}`,
      { key },
    );
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit; only measure when it could matter.
  if (value.length * 3 > MAX_VALUE_BYTES) {
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_VALUE_BYTES) {
      throw new StorageError(
        "TooLarge",
        `Value for ${key} is ${bytes} bytes, over the ${MAX_VALUE_BYTES}-byte limit`,
        { key },
      );
    }
  }
}

/** Throws InvalidArgument unless ttl is undefined or a positive finite number of seconds. */
export function checkTtl(key: string, ttlSeconds: unknown): void {
  if (ttlSeconds === undefined) return;
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new StorageError(
      "InvalidArgument",
      `Invalid TTL for ${key}: expected a positive number of seconds, got ${String(ttlSeconds)}`,
      { key },
    );
  }
}

/** Throws InvalidArgument unless revision is undefined or a non-negative integer. */
export function checkRevision(what: string, revision: unknown): void {
  if (revision === undefined) return;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) {
    throw new StorageError(
      "InvalidArgument",
      `Invalid ${what}: expected a non-negative integer, got ${String(revision)}`,
    );
  }
}

/**
 * The smallest string greater than every string starting with prefix, in
 * UTF-8 byte order (SQLite's BINARY collation); undefined for the empty prefix.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return cps.join("") + String.fromCodePoint(next);
  }
  return undefined;
}

import { MAX_VALUE_BYTES } from "../backend.ts";
import { StorageError } from "../errors.ts";

/** The exclusive range end of all keys starting with prefix; [0] (no bound) when none exists. */
export function prefixEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = end[i]! + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** The etcd range [start, end) of every key starting with prefix ("" is every key). */
export function prefixRange(prefix: string): [Buffer, Buffer] {
  const start = Buffer.from(prefix);
  return [start.length === 0 ? Buffer.from([0]) : start, prefixEnd(start)];
}

/** etcd's range_end "\0" means "no upper bound". */
export function isUnbounded(end: Buffer): boolean {
  return end.length === 1 && end[0] === 0;
}

/** Throws InvalidArgument unless key is a non-empty string. */
export function checkKey(key: unknown, what = "key"): asserts key is string {
  if (typeof key !== "string" || key.length === 0) {
    throw new StorageError(
      "InvalidArgument",
      `Cannot use ${what} ${describe(key)}: must be a non-empty string`,
    );
  }
}

/** Throws InvalidArgument for a non-string prefix (the empty prefix means every key). */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string") {
    throw new StorageError(
      "InvalidArgument",
      `Cannot use prefix ${describe(prefix)}: must be a string`,
    );
  }
}

/** Throws InvalidArgument for a non-string value and TooLarge past MAX_VALUE_BYTES (UTF-8 bytes). */
export function checkValue(key: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new StorageError(
      "InvalidArgument",
      `Cannot write ${key}: value is ${describe(value)}, not a string`,
      {
        key,
      },
    );
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_VALUE_BYTES) {
    throw new StorageError(
      "TooLarge",
      `Cannot write ${key}: value is ${bytes} bytes, over the ${MAX_VALUE_BYTES} limit`,
      {
        key,
      },
    );
  }
}

/** Throws InvalidArgument unless n is undefined or an integer >= min. */
export function checkInteger(
  name: string,
  n: unknown,
  min: number,
): asserts n is number | undefined {
  if (n === undefined) return;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min) {
    throw new StorageError(
      "InvalidArgument",
      `Cannot use ${name} ${describe(n)}: must be an integer >= ${min}`,
    );
  }
}

/** Throws InvalidArgument unless ttlSeconds is undefined or a positive finite number. */
export function checkTtl(key: string, ttlSeconds: unknown): void {
  if (ttlSeconds === undefined) return;
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new StorageError(
      "InvalidArgument",
      `Cannot write ${key}: ttlSeconds ${describe(ttlSeconds)} is not a positive number`,
      {
        key,
      },
    );
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

/**
 * Maps an error from the etcd3 client to a StorageError: compacted and future
 * revisions, oversized requests, and anything else (connection loss, timeouts,
 * unexpected server errors) as Unavailable. StorageErrors pass through.
 */
export function toStorageError(err: unknown, key?: string): StorageError {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const extra = key === undefined ? {} : { key };
  if (message.includes("required revision has been compacted")) {
    return new StorageError("Compacted", `etcd: ${stripPrefix(message)}`, extra);
  }
  if (message.includes("required revision is a future revision")) {
    return new StorageError("FutureRevision", `etcd: ${stripPrefix(message)}`, extra);
  }
  if (message.includes("request is too large") || message.includes("larger than max")) {
    return new StorageError("TooLarge", `etcd: ${stripPrefix(message)}`, extra);
  }
  return new StorageError("Unavailable", `etcd: ${stripPrefix(message)}`, extra);
}

function stripPrefix(message: string): string {
  return message.replace(/^\d+ [A-Z_]+: /, "");
}

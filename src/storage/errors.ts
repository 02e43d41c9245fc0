import type { KeyValue } from "./backend.ts";

export type StorageErrorCode =
  | "KeyExists"
  | "KeyNotFound"
  | "Conflict"
  | "Compacted"
  | "FutureRevision"
  | "TooLarge"
  | "InvalidArgument"
  | "WatcherTooSlow"
  | "Unavailable";

/** A storage failure with a stable code the API server maps to a Status reason. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key?: string;
  /** For Conflict: the key's current value. For Compacted: see compactedRevision. */
  readonly current?: KeyValue;
  readonly compactedRevision?: number;

  constructor(
    code: StorageErrorCode,
    message: string,
    extra: { key?: string; current?: KeyValue; compactedRevision?: number } = {},
  ) {
    super(message);
    this.name = "StorageError";
    this.code = code;
    this.key = extra.key;
    this.current = extra.current;
    this.compactedRevision = extra.compactedRevision;
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

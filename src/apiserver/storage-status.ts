/**
 * StorageError → metav1.Status, as upstream's storage/errors and
 * apiserver/pkg/registry/generic translate etcd failures.
 */
import { StatusError, alreadyExists, conflict, notFound } from "../api/status.ts";
import type { StorageError } from "../storage/errors.ts";

/** What the failing request addressed; lets messages name the object. */
export interface StorageTarget {
  group: string;
  resource: string;
  name: string;
}

export const CONFLICT_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

/** Translates a storage failure; `target` names the object when known. */
export function storageErrorToStatus(err: StorageError, target?: StorageTarget): StatusError {
  const group = target?.group ?? "";
  const resource = target?.resource ?? resourceFromKey(err.key);
  const name = target?.name ?? nameFromKey(err.key);
  switch (err.code) {
    case "KeyExists":
      return alreadyExists(group, resource, name);
    case "KeyNotFound":
      return notFound(group, resource, name);
    case "Conflict":
      return conflict(group, resource, name, CONFLICT_MESSAGE);
    case "Compacted":
      return new StatusError("Gone", tooOldMessage(err));
    case "FutureRevision":
      return new StatusError("Timeout", `Too large resource version: ${err.message}`, {
        retryAfterSeconds: 1,
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      });
    case "TooLarge":
      return new StatusError(
        "RequestEntityTooLarge",
        "etcdserver: request is too large",
        undefined,
        413,
      );
    case "InvalidArgument":
      return new StatusError("BadRequest", err.message);
    case "WatcherTooSlow":
      return new StatusError("Gone", "watch closed: the client was too slow to receive events");
    case "Unavailable":
      return new StatusError("ServiceUnavailable", `storage unavailable: ${err.message}`, {
        retryAfterSeconds: 1,
      });
  }
}

function tooOldMessage(err: StorageError): string {
  const m = /(\d+)/.exec(err.message);
  const requested = m ? m[1] : "?";
  return err.compactedRevision !== undefined
    ? `too old resource version: ${requested} (${err.compactedRevision})`
    : `too old resource version: ${requested}`;
}

function resourceFromKey(key: string | undefined): string {
  return key?.split("/")[2] ?? "";
}

function nameFromKey(key: string | undefined): string {
  const parts = key?.split("/") ?? [];
  return parts[parts.length - 1] ?? "";
}

/**
 * Writing replies: JSON (or YAML) bodies and metav1.Status errors. Every
 * failure leaving the server goes through writeError, which turns anything
 * that is not a StatusError into a 500 InternalError Status.
 */
import type { ServerResponse } from "node:http";
import { StatusError, type Status } from "../api/status.ts";
import { isStorageError } from "../storage/errors.ts";
import { storageErrorToStatus } from "./storage-status.ts";

/** Serializes `body` as JSON with the given HTTP status. */
export function writeJSON(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = "application/json",
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
  });
  res.end(text);
}

/** Plain text reply (health checks, metrics). */
export function writeText(
  res: ServerResponse,
  code: number,
  text: string,
  contentType = "text/plain; charset=utf-8",
): void {
  if (res.headersSent) return;
  res.writeHead(code, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(text);
}

/** Maps any thrown value to a StatusError (storage errors keep their meaning, the rest is InternalError). */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (isStorageError(err)) return storageErrorToStatus(err);
  if (err instanceof RangeError) {
    // Deeply nested input that escaped the body checks: still the client's fault.
    return new StatusError("BadRequest", `the request could not be processed: ${err.message}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** Writes `err` as a Status; adds Retry-After for 429s. Returns the HTTP code written. */
export function writeError(res: ServerResponse, err: unknown): number {
  const status: Status = toStatusError(err).toStatus();
  if (res.headersSent) {
    res.destroy();
    return status.code;
  }
  // After an early 413 the rest of the body may still be in flight: do not reuse the connection.
  if (status.code === 413) res.setHeader("Connection", "close");
  if (status.details?.retryAfterSeconds !== undefined) {
    res.setHeader("Retry-After", String(status.details.retryAfterSeconds));
  }
  writeJSON(res, status.code, status);
  return status.code;
}

/** A success Status, as returned by some deletes. */
export function successStatus(details?: Status["details"]): Status {
  const status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    code: 200,
  } as Status;
  if (details) status.details = details;
  return status;
}

/**
 * The errors of the HTTP/1.1 client transport. Connection-level failures keep
 * the `code` Node's own http client gives them (ECONNRESET for a connection
 * closed before or during a response, ABORT_ERR for an aborted request), so
 * callers see the same errors whichever transport is underneath; errors of
 * the socket itself (ECONNREFUSED, ENOENT, certificate errors) pass through
 * unchanged.
 */

/** A failure of the transport, with a stable `code`. */
export class TransportError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
    this.code = code;
  }
}

/** The connection closed before any response arrived (Node: "socket hang up"). */
export function hangUpError(): TransportError {
  return new TransportError("ECONNRESET", "socket hang up");
}

/** The connection closed in the middle of a response body (Node: "aborted"). */
export function truncatedError(): TransportError {
  return new TransportError("ECONNRESET", "aborted");
}

/** The response could not be parsed as HTTP/1.1. */
export function parseError(message: string): TransportError {
  return new TransportError("HPE_INVALID_RESPONSE", `Parse Error: ${message}`);
}

/** No complete answer within the request timeout. */
export function timeoutError(ms: number): TransportError {
  return new TransportError("ETIMEDOUT", `request timed out after ${ms} ms`);
}

/** The caller's AbortSignal fired (same name and code as Node's AbortError). */
export function abortError(signal: AbortSignal): Error {
  const err = new Error("The operation was aborted", { cause: signal.reason });
  err.name = "AbortError";
  (err as Error & { code: string }).code = "ABORT_ERR";
  return err;
}

/**
 * Request deadlines, as kube-apiserver's WithRequestDeadline and timeout
 * filters: a request that is not long-running gets `--request-timeout`
 * (default 1m), or the shorter `?timeout=` it asks for; past it the client
 * gets 504 Timeout while the handler's late answer is dropped.
 */
import { badRequest, StatusError } from "../api/status.ts";
import { parseGoDuration } from "../util/go-duration.ts";
import type { RequestInfo } from "./request-info.ts";
import type { RequestDeadlines } from "./request-deadlines.ts";

/** kube-apiserver's --request-timeout default. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

const LONG_RUNNING_SUBRESOURCES = new Set(["log", "exec", "attach", "portforward", "proxy"]);

/** Watches and streaming subresources: no deadline and no in-flight slot. */
export function isLongRunning(
  info: Pick<RequestInfo, "verb" | "isResourceRequest" | "subresource">,
): boolean {
  return (
    info.verb === "watch" ||
    info.verb === "proxy" ||
    (info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource))
  );
}

/**
 * The request's deadline in ms from now: the `timeout` query parameter when
 * it is shorter than the server's limit, else the limit. A parameter that is
 * not a Go duration is a 400.
 */
export function requestDeadlineMs(query: URLSearchParams, limitMs: number): number {
  const raw = query.get("timeout");
  if (raw === null || raw === "") return limitMs;
  let asked: number;
  try {
    asked = parseGoDuration(raw);
  } catch {
    throw badRequest(`invalid timeout specified in the request URL`);
  }
  return asked > 0 && asked < limitMs ? asked : limitMs;
}

/** The 504 a client gets when its request outlives the deadline. */
export function deadlineExceeded(): StatusError {
  return new StatusError(
    "Timeout",
    "Timeout: request did not complete within requested timeout - context deadline exceeded",
    {},
  );
}

/**
 * Settles as `work` does, or rejects with `deadlineExceeded()` after `ms`
 * (then `onExpired` runs first; the work itself goes on and its late answer
 * must be dropped by the caller).
 */
export function withDeadline<T>(
  deadlines: RequestDeadlines,
  ms: number,
  work: Promise<T>,
  onExpired?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = deadlines.add(ms, () => {
      onExpired?.();
      reject(deadlineExceeded());
    });
    work.then(
      (value) => {
        deadlines.cancel(deadline);
        resolve(value);
      },
      (err: unknown) => {
        deadlines.cancel(deadline);
        reject(err);
      },
    );
  });
}

/**
 * Max-in-flight limits as upstream's --max-requests-inflight (400) and
 * --max-mutating-requests-inflight (200). Long-running requests (watches;
 * log, exec, attach, portforward and proxy subresources, as upstream's
 * long-running check) are not counted. Over the limit: 429 with Retry-After: 1.
 */
import { StatusError } from "../api/status.ts";
import { isLongRunning } from "./request-deadline.ts";

export const DEFAULT_MAX_READONLY_INFLIGHT = 400;
export const DEFAULT_MAX_MUTATING_INFLIGHT = 200;

const MUTATING = new Set(["create", "update", "patch", "delete", "deletecollection"]);

export class InflightLimiter {
  readOnly = 0;
  mutating = 0;
  readonly maxReadOnly: number;
  readonly maxMutating: number;

  constructor(
    maxReadOnly = DEFAULT_MAX_READONLY_INFLIGHT,
    maxMutating = DEFAULT_MAX_MUTATING_INFLIGHT,
  ) {
    this.maxReadOnly = maxReadOnly;
    this.maxMutating = maxMutating;
  }

  /** Takes a slot for `verb` or throws 429; call the returned release exactly once. */
  acquire(verb: string, isResourceRequest: boolean, subresource = ""): () => void {
    if (isLongRunning({ verb, isResourceRequest, subresource })) return () => {};
    const mutating = isResourceRequest && MUTATING.has(verb);
    if (mutating ? this.mutating >= this.maxMutating : this.readOnly >= this.maxReadOnly) {
      throw new StatusError("TooManyRequests", "Too many requests, please try again later.", {
        retryAfterSeconds: 1,
      });
    }
    if (mutating) this.mutating++;
    else this.readOnly++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mutating) this.mutating--;
      else this.readOnly--;
    };
  }
}

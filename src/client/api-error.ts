import type { Status, StatusReason } from "../api/status.ts";

/** A non-2xx answer from the API server, carrying its metav1.Status. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason | "Unknown";
  readonly status?: Status;

  constructor(code: number, status: Status | undefined, fallback: string) {
    super(status?.message ?? fallback);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.reason = status?.reason ?? "Unknown";
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.reason === "Conflict";
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === "AlreadyExists";
}

/** 410 Gone / Expired: a watch or continue token is too old; re-list. */
export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.code === 410;
}

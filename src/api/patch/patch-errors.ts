/**
 * The StatusErrors the patch code raises, shaped as kube-apiserver shapes
 * them so clients print the same text.
 */
import { StatusError } from "../status.ts";

/**
 * A patch that could not be applied to the object (failed `test` op, missing
 * path, ...). Upstream answers 422 Invalid with a fixed message and drops the
 * reason; `detail` keeps it for logs.
 */
export class PatchApplyError extends StatusError {
  readonly detail: string;
  constructor(detail: string) {
    super("Invalid", "the server rejected our request due to an error in our request", {});
    this.name = "PatchApplyError";
    this.detail = detail;
  }
}

/** 400 BadRequest: the patch document itself is malformed. */
export function badPatch(message: string): StatusError {
  return new StatusError("BadRequest", message);
}

/** 422 Invalid with upstream's generic message (see PatchApplyError). */
export function patchNotApplicable(detail: string): PatchApplyError {
  return new PatchApplyError(detail);
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

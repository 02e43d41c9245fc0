/**
 * The spec/status split shared by every resource with a /status subresource:
 * main-resource writes keep the stored status, /status writes keep the
 * stored spec and most metadata (upstream's ResetObjectMetaForStatus).
 */
import type { KObject, Strategy } from "../types.ts";
import { copyJson } from "../../util/json-copy.ts";

/** Metadata a /status write may not change: taken from the stored object. */
const STATUS_RESET_META = [
  "deletionTimestamp",
  "generation",
  "selfLink",
  "labels",
  "annotations",
  "finalizers",
  "ownerReferences",
] as const;

/** upstream's metav1.ResetObjectMetaForStatus. */
export function resetObjectMetaForStatus(obj: KObject, old: KObject): void {
  const meta = (obj.metadata ??= {}) as Record<string, unknown>;
  const oldMeta = (old.metadata ?? {}) as Record<string, unknown>;
  for (const k of STATUS_RESET_META) {
    if (oldMeta[k] === undefined) delete meta[k];
    else meta[k] = copyJson(oldMeta[k]);
  }
}

/** Replaces obj[key] with a copy of old[key] (or removes it). */
export function keepOld(obj: KObject, old: KObject, key: string): void {
  if (old[key] === undefined) delete obj[key];
  else obj[key] = copyJson(old[key]);
}

export interface StatusSplitOptions {
  /** Value of status on create: upstream resets most to the empty status. */
  statusOnCreate?: () => unknown;
  /** Top-level fields a /status write keeps from the stored object (default ["spec"]). */
  specFields?: string[];
}

/**
 * prepareForCreate (status reset), prepareForUpdate (keep old status) and
 * prepareForStatusUpdate (keep old spec and metadata) for a kind with /status.
 */
export function statusSplit(
  opts: StatusSplitOptions = {},
): Required<Pick<Strategy, "prepareForCreate" | "prepareForUpdate" | "prepareForStatusUpdate">> {
  const specFields = opts.specFields ?? ["spec"];
  return {
    prepareForCreate(obj) {
      if (opts.statusOnCreate) obj.status = opts.statusOnCreate();
      else delete obj.status;
    },
    prepareForUpdate(obj, old) {
      keepOld(obj, old, "status");
    },
    prepareForStatusUpdate(obj, old) {
      for (const k of specFields) keepOld(obj, old, k);
      resetObjectMetaForStatus(obj, old);
    },
  };
}

/** Runs several in-place steps in order. */
export function chain<A extends unknown[]>(
  ...steps: ((...args: A) => void)[]
): (...args: A) => void {
  return (...args) => {
    for (const step of steps) step(...args);
  };
}

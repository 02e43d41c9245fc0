import type { Backend } from "./backend.ts";

/**
 * Drivers that know their latest revision in-process (the embedded SQLite
 * driver) expose it synchronously. Contract: the value is durable, never
 * decreases, and every watch event up to it has already been delivered to the
 * broadcaster, so a cache that has seen it is up to date.
 */
export interface LatestRevisionSource {
  latestRevision(): number;
}

/** True when backend can report its latest revision without I/O. */
export function hasLatestRevision(backend: Backend): backend is Backend & LatestRevisionSource {
  return typeof (backend as Partial<LatestRevisionSource>).latestRevision === "function";
}

/**
 * The backend's latest revision as cheaply as it can be had: a plain number
 * from an in-process driver, else a promise from currentRevision() (one round
 * trip to etcd). Callers on hot paths check `typeof result === "number"`.
 */
export function readLatestRevision(backend: Backend): number | Promise<number> {
  return hasLatestRevision(backend) ? backend.latestRevision() : backend.currentRevision();
}

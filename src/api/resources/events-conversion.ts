/** Conversion of Events between core/v1 and events.k8s.io/v1. */
import type { KObject } from "../types.ts";

/** Returns a copy of `obj` in `toVersion` ("v1" for core, "events.k8s.io/v1"). */
export function convertEvent(obj: KObject, toVersion: string): KObject {
  const copy = structuredClone(obj);
  copy.apiVersion = toVersion;
  return copy;
}

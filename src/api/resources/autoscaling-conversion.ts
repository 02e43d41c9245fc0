/** Conversion of HorizontalPodAutoscalers between autoscaling/v1 and v2. */
import type { KObject } from "../types.ts";

/** Returns a copy of `obj` (v1 or v2) in `toVersion` ("v1" or "v2"). */
export function convertHPA(obj: KObject, toVersion: string): KObject {
  const copy = structuredClone(obj);
  copy.apiVersion = `autoscaling/${toVersion}`;
  return copy;
}

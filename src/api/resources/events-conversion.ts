/**
 * Conversion of Events between core/v1 ("v1") and events.k8s.io/v1. Both are
 * stored as core/v1 under /registry/events, as upstream does.
 */
import type { KObject } from "../types.ts";
import { copyJson } from "../../util/json-copy.ts";

/** [core/v1 field, events.k8s.io/v1 field] for fields that are renamed. */
const RENAMED: [string, string][] = [
  ["involvedObject", "regarding"],
  ["message", "note"],
  ["reportingComponent", "reportingController"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
];

const SHARED = [
  "metadata",
  "eventTime",
  "series",
  "reportingInstance",
  "action",
  "reason",
  "related",
  "type",
];

/** Returns a copy of `obj` in `toApiVersion`: "v1" (core) or "events.k8s.io/v1". */
export function convertEvent(obj: KObject, toApiVersion: string): KObject {
  return eventInVersion(copyJson(obj), toApiVersion);
}

/**
 * `obj` in `toApiVersion` ("v1" or "events.k8s.io/v1") without copying:
 * the result shares `obj`'s values, so it is for reading (validation) only.
 */
export function eventInVersion(obj: KObject, toApiVersion: string): KObject {
  const from = obj.apiVersion === "events.k8s.io/v1" ? "events" : "core";
  const to =
    toApiVersion === "events.k8s.io/v1" ? "events" : toApiVersion === "v1" ? "core" : undefined;
  if (!to) throw new Error(`Cannot convert Event to ${toApiVersion}: unknown version`);
  const src = obj as Record<string, unknown>;
  if (from === to) return { ...src, apiVersion: toApiVersion } as KObject;
  const out: Record<string, unknown> = { apiVersion: toApiVersion, kind: "Event" };
  for (const k of SHARED) if (src[k] !== undefined) out[k] = src[k];
  for (const [core, events] of RENAMED) {
    const [a, b] = to === "events" ? [core, events] : [events, core];
    if (src[a] !== undefined) out[b] = src[a];
  }
  return out as KObject;
}

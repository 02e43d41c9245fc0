/**
 * The events table (LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE
 * FIRST SEEN COUNT NAME) for core/v1 and events.k8s.io/v1 events; the latter
 * are read through upstream's field mapping onto the core shape.
 */
import type { Event as CoreEvent } from "kubernetes-types/core/v1.d.ts";
import type { Event as EventsEvent } from "kubernetes-types/events/v1.d.ts";
import type { KObject } from "../types.ts";
import { timestampSince } from "../duration.ts";
import { column, nameOf, NAME_DESCRIPTION, wide, type RowPrinter } from "./format.ts";

/** events.k8s.io/v1 fields mapped to their core/v1 names (as upstream's conversion). */
export function asCoreEvent(obj: KObject): CoreEvent {
  if (!("regarding" in obj || "note" in obj || "deprecatedSource" in obj)) {
    if (obj.apiVersion !== "events.k8s.io/v1") return obj as unknown as CoreEvent;
  }
  const e = obj as unknown as EventsEvent;
  return {
    metadata: e.metadata ?? {},
    involvedObject: e.regarding ?? {},
    message: e.note,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    eventTime: e.eventTime,
    series: e.series,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
    type: e.type,
    reason: e.reason,
    action: e.action,
  };
}

function eventSource(e: CoreEvent): string {
  const component = e.source?.component || e.reportingComponent || "";
  const instance = e.source?.host || e.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: RowPrinter = {
  columns: [
    column(
      "Last Seen",
      "string",
      "The time at which the most recent occurrence of this event was recorded.",
    ),
    column(
      "Type",
      "string",
      "Type of this event (Normal, Warning), new types could be added in the future",
    ),
    column(
      "Reason",
      "string",
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column("Object", "string", "The object that this event is about."),
    wide(
      "Subobject",
      "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.",
    ),
    wide(
      "Source",
      "The component reporting this event. Should be a short machine understandable string.",
    ),
    column("Message", "string", "A human-readable description of the status of this operation."),
    wide(
      "First Seen",
      "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    ),
    wide("Count", "The number of times this event has occurred."),
    column("Name", "string", NAME_DESCRIPTION, { priority: 1, format: "name" }),
  ],
  row(obj: KObject, now: Date) {
    const e = asCoreEvent(obj);
    const firstSeen = e.firstTimestamp
      ? timestampSince(e.firstTimestamp, now)
      : timestampSince(e.eventTime, now);
    let lastSeen = e.lastTimestamp ? timestampSince(e.lastTimestamp, now) : firstSeen;
    let count = e.count ?? 0;
    if (e.series) {
      lastSeen = timestampSince(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      count = 1;
    }
    const kind = (e.involvedObject?.kind ?? "").toLowerCase();
    const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
    return [
      lastSeen,
      e.type ?? "",
      e.reason ?? "",
      target,
      e.involvedObject?.fieldPath ?? "",
      eventSource(e),
      (e.message ?? "").trim(),
      firstSeen,
      count,
      nameOf(obj),
    ];
  },
};

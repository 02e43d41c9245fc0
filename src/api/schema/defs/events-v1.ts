/**
 * events.k8s.io/v1: Event.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  Event: "A report of something that happened to an object; kept for a limited time.",
  "Event.metadata": "Standard object metadata.",
  "Event.eventTime": "When the event was first observed.",
  "Event.series": "Repetition data when the event recurs; unset for a single event.",
  "Event.reportingController": "Controller that emitted the event, e.g. kubernetes.io/kubelet.",
  "Event.reportingInstance": "Instance of that controller, e.g. kubelet-node1.",
  "Event.action": "What was done or failed, machine-readable.",
  "Event.reason": "Why the action was taken.",
  "Event.regarding": "The object the event is about.",
  "Event.related": "A secondary object involved.",
  "Event.note": "Human-readable details.",
  "Event.type": "Normal or Warning.",
  "Event.deprecatedSource": "core/v1 compatibility: the source.",
  "Event.deprecatedFirstTimestamp": "core/v1 compatibility: first occurrence.",
  "Event.deprecatedLastTimestamp": "core/v1 compatibility: last occurrence.",
  "Event.deprecatedCount": "core/v1 compatibility: occurrence count.",
  EventList: "A list of events.",
  "EventList.metadata": "Standard list metadata.",
  "EventList.items": "The events.",
  EventSeries: "Repetitions of an ongoing event.",
  "EventSeries.count": "Occurrences seen up to the last heartbeat.",
  "EventSeries.lastObservedTime": "When the last occurrence was seen.",
};

export const eventsV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.events.v1",
    types: {
      Event: {
        gvk: [{ group: "events.k8s.io", version: "v1", kind: "Event" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          eventTime: [2, "MicroTime", { required: true }],
          series: [3, "EventSeries"],
          reportingController: [4, "string"],
          reportingInstance: [5, "string"],
          action: [6, "string"],
          reason: [7, "string"],
          regarding: [8, `${CORE}.ObjectReference`],
          related: [9, `${CORE}.ObjectReference`],
          note: [10, "string"],
          type: [11, "string"],
          deprecatedSource: [12, `${CORE}.EventSource`],
          deprecatedFirstTimestamp: [13, "Time"],
          deprecatedLastTimestamp: [14, "Time"],
          deprecatedCount: [15, "int32"],
        },
      },
      EventList: {
        gvk: [{ group: "events.k8s.io", version: "v1", kind: "EventList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]Event", { required: true }],
        },
      },
      EventSeries: {
        fields: {
          count: [1, "int32", { required: true, pointer: true }],
          lastObservedTime: [2, "MicroTime", { required: true }],
        },
      },
    },
  },
  docs,
);

/**
 * events.k8s.io/v1 events: stored with core/v1 events under /registry/events
 * (as upstream), converted on the way in and out by convertEvent.
 */
import type { ResourceDef } from "../types.ts";
import { convertEvent, eventInVersion } from "./events-conversion.ts";
import { validateEventsV1Event } from "../validation/event.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Every events.k8s.io/v1 resource definition. */
export function eventsResources(): ResourceDef[] {
  return [
    {
      group: "events.k8s.io",
      version: "v1",
      resource: "events",
      singular: "event",
      kind: "Event",
      namespaced: true,
      shortNames: ["ev"],
      ttlSeconds: 3600,
      storage: { group: "", resource: "events", version: "v1" },
      convert: convertEvent,
      convertShared: eventInVersion,
      strategy: { validate: validateEventsV1Event, validateUpdate: validateMetaUpdate },
      hasGeneration: false,
    },
  ];
}

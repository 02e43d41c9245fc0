import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { convertEvent, eventInVersion } from "./events-conversion.ts";

const ev = (): KObject => ({
  apiVersion: "events.k8s.io/v1",
  kind: "Event",
  metadata: { name: "e", namespace: "ns" },
  eventTime: "2026-01-01T00:00:00.000000Z",
  regarding: { kind: "Pod", name: "p" },
  note: "assigned",
  reason: "Scheduled",
  reportingController: "default-scheduler",
  deprecatedCount: 2,
});

test("eventInVersion renames fields like convertEvent and shares values", () => {
  for (const to of ["v1", "events.k8s.io/v1"]) {
    const src = ev();
    const view = eventInVersion(src, to) as Record<string, unknown>;
    const copy = convertEvent(src, to) as Record<string, unknown>;
    assert.deepEqual(view, copy, to);
    const regarding = to === "v1" ? "involvedObject" : "regarding";
    assert.equal(view[regarding], src.regarding, "view shares");
    assert.notEqual(copy[regarding], src.regarding, "convertEvent copies");
    assert.notEqual(copy.metadata, src.metadata);
  }
  assert.deepEqual(eventInVersion(ev(), "v1"), {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "e", namespace: "ns" },
    eventTime: "2026-01-01T00:00:00.000000Z",
    reason: "Scheduled",
    involvedObject: { kind: "Pod", name: "p" },
    message: "assigned",
    reportingComponent: "default-scheduler",
    count: 2,
  });
  assert.throws(() => eventInVersion(ev(), "v2"), /unknown version/);
});

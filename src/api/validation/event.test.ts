import { test } from "node:test";
import { assertErrors, createErrors, type Expect } from "./testing.ts";

type Mutate = (o: any) => void;

const core = (mutate: Mutate = () => {}) => {
  const o: any = {
    metadata: { name: "web.1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", namespace: "default" },
    reason: "Scheduled",
    message: "assigned",
    source: { component: "default-scheduler" },
    type: "Normal",
  };
  mutate(o);
  return o;
};

test("core/v1 event validation", () => {
  const cases: [string, Mutate, Expect][] = [
    ["old-style valid", () => {}, []],
    ["node event in default", (o) => (o.involvedObject = { kind: "Node", name: "n1" }), []],
    [
      "namespace mismatch",
      (o) => (o.involvedObject.namespace = "other"),
      [["involvedObject.namespace", 'Invalid value: "other": does not match event.namespace']],
    ],
    [
      "new-style needs reporting fields",
      (o) => (o.eventTime = "2026-01-01T00:00:00.000000Z"),
      [
        ["reportingComponent", "Required value"],
        ["reportingComponent", /^Invalid value: "": name part must be non-empty$/],
        ["reportingComponent", /^Invalid value: "": name part must consist of/],
        ["reportingInstance", "Required value"],
        ["action", "Required value"],
      ],
    ],
  ];
  for (const [name, mutate, want] of cases)
    assertErrors(createErrors("", "events", core(mutate)), want, name);
});

test("events.k8s.io/v1 event validation", () => {
  const ev = (mutate: Mutate = () => {}) => {
    const o: any = {
      apiVersion: "events.k8s.io/v1",
      metadata: { name: "e", namespace: "default" },
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "example.com/ctrl",
      reportingInstance: "ctrl-1",
      action: "Reconcile",
      reason: "Done",
      regarding: { kind: "Pod", name: "web", namespace: "default" },
      type: "Normal",
    };
    mutate(o);
    return o;
  };
  assertErrors(createErrors("events.k8s.io", "events", ev()), [], "valid");
  assertErrors(
    createErrors(
      "events.k8s.io",
      "events",
      ev((o) => delete o.eventTime),
    ),
    [["eventTime", "Required value"]],
    "eventTime",
  );
  assertErrors(
    createErrors(
      "events.k8s.io",
      "events",
      ev((o) => (o.type = "Info")),
    ),
    [["type", 'Unsupported value: "Info": supported values: "Normal", "Warning"']],
    "type",
  );
});

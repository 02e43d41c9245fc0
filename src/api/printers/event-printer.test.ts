import { test } from "node:test";
import assert from "node:assert/strict";
import { eventPrinter } from "./event-printer.ts";
import { MIN, SEC, ago, headers, meta, rowOf } from "./testing.ts";

test("events: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME", () => {
  assert.deepEqual(headers(eventPrinter), [
    "Last Seen:0",
    "Type:0",
    "Reason:0",
    "Object:0",
    "Subobject:1",
    "Source:1",
    "Message:0",
    "First Seen:1",
    "Count:1",
    "Name:1",
  ]);
  assert.equal(eventPrinter.columns[9]!.format, "name");
});

test("core/v1 events", () => {
  const base = {
    metadata: meta("web.17a"),
    involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{nginx}" },
    type: "Normal",
    reason: "Pulled",
    message: "  Container image already present  \n",
    source: { component: "kubelet", host: "n1" },
  };
  const cases: [string, Record<string, unknown>, unknown[]][] = [
    [
      "counted",
      { firstTimestamp: ago(10 * MIN), lastTimestamp: ago(30 * SEC), count: 4 },
      ["30s", "10m", 4],
    ],
    ["no last timestamp uses the first", { firstTimestamp: ago(2 * MIN) }, ["2m", "2m", 1]],
    ["event time only", { eventTime: ago(3 * MIN) }, ["3m", "3m", 1]],
    [
      "series wins",
      {
        eventTime: ago(9 * MIN),
        series: { count: 7, lastObservedTime: ago(15 * SEC) },
        count: 2,
      },
      ["15s", "9m", 7],
    ],
    ["no times at all", {}, ["<unknown>", "<unknown>", 1]],
  ];
  for (const [name, extra, [last, first, count]] of cases) {
    assert.deepEqual(
      rowOf(eventPrinter, { ...base, ...extra }),
      [
        last,
        "Normal",
        "Pulled",
        "pod/web",
        "spec.containers{nginx}",
        "kubelet, n1",
        "Container image already present",
        first,
        count,
        "web.17a",
      ],
      name,
    );
  }
  const reporting = {
    metadata: meta("x"),
    involvedObject: { kind: "Node" },
    reportingComponent: "node-controller",
    firstTimestamp: ago(MIN),
  };
  const row = rowOf(eventPrinter, reporting);
  assert.equal(row[3], "node");
  assert.equal(row[5], "node-controller");
});

test("events.k8s.io/v1 events map onto the core columns", () => {
  const e = {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: meta("web.17b"),
    eventTime: ago(4 * MIN),
    regarding: { kind: "Deployment", name: "web" },
    note: "Scaled up replica set web-5d4f to 3",
    type: "Normal",
    reason: "ScalingReplicaSet",
    reportingController: "deployment-controller",
    reportingInstance: "cp-1",
    deprecatedCount: 2,
    deprecatedLastTimestamp: ago(MIN),
  };
  assert.deepEqual(rowOf(eventPrinter, e), [
    "60s",
    "Normal",
    "ScalingReplicaSet",
    "deployment/web",
    "",
    "deployment-controller, cp-1",
    "Scaled up replica set web-5d4f to 3",
    "4m",
    2,
    "web.17b",
  ]);
});

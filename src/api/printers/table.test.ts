import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { defaultPrinter, hasOwnPrinter, printerFor } from "./printers.ts";
import { toTable, watchTables } from "./table.ts";
import { podPrinter } from "./pod-printer.ts";
import { eventPrinter } from "./event-printer.ts";
import { horizontalPodAutoscalerPrinter } from "./hpa-printer.ts";
import { NOW, meta } from "./testing.ts";

const pod = (name: string, phase = "Running"): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { ...meta(name), resourceVersion: "42", labels: { app: "web" } },
  spec: { containers: [{ name: "c" }] },
  status: { phase },
});

test("printerFor picks upstream's printer per group and resource", () => {
  assert.equal(printerFor("", "pods"), podPrinter);
  assert.equal(printerFor("", "events"), eventPrinter);
  assert.equal(printerFor("events.k8s.io", "events"), eventPrinter);
  assert.equal(
    printerFor("autoscaling", "horizontalpodautoscalers"),
    horizontalPodAutoscalerPrinter,
  );
  for (const [group, resource] of [
    ["rbac.authorization.k8s.io", "roles"],
    ["rbac.authorization.k8s.io", "clusterroles"],
    ["", "limitranges"],
    ["example.com", "widgets"],
    ["apps", "pods"],
  ]) {
    assert.equal(printerFor(group!, resource!), defaultPrinter, `${group}/${resource}`);
    assert.equal(hasOwnPrinter(group!, resource!), false);
  }
  const served: [string, string][] = [
    ["", "podtemplates"],
    ["", "replicationcontrollers"],
    ["", "services"],
    ["", "endpoints"],
    ["", "namespaces"],
    ["", "nodes"],
    ["", "secrets"],
    ["", "configmaps"],
    ["", "serviceaccounts"],
    ["", "persistentvolumes"],
    ["", "persistentvolumeclaims"],
    ["", "resourcequotas"],
    ["", "componentstatuses"],
    ["apps", "deployments"],
    ["apps", "replicasets"],
    ["apps", "statefulsets"],
    ["apps", "daemonsets"],
    ["apps", "controllerrevisions"],
    ["batch", "jobs"],
    ["batch", "cronjobs"],
    ["policy", "poddisruptionbudgets"],
    ["coordination.k8s.io", "leases"],
    ["discovery.k8s.io", "endpointslices"],
    ["networking.k8s.io", "ingresses"],
    ["networking.k8s.io", "ingressclasses"],
    ["networking.k8s.io", "networkpolicies"],
    ["storage.k8s.io", "storageclasses"],
    ["scheduling.k8s.io", "priorityclasses"],
    ["node.k8s.io", "runtimeclasses"],
    ["rbac.authorization.k8s.io", "rolebindings"],
    ["rbac.authorization.k8s.io", "clusterrolebindings"],
    ["certificates.k8s.io", "certificatesigningrequests"],
  ];
  for (const [group, resource] of served) assert.ok(hasOwnPrinter(group, resource), resource);
});

test("the default convertor prints Name and Created At in RFC 3339", () => {
  const role = { metadata: { name: "reader", creationTimestamp: "2024-04-30T08:09:10Z" } };
  const table = toTable(defaultPrinter, [role], {}, NOW);
  assert.deepEqual(
    table.columnDefinitions?.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ["Name", "string", "name", 0],
      ["Created At", "date", "", 0],
    ],
  );
  assert.deepEqual(table.rows[0]!.cells, ["reader", "2024-04-30T08:09:10Z"]);
  const noTime = toTable(defaultPrinter, [{ metadata: { name: "x" } }], {}, NOW);
  assert.deepEqual(noTime.rows[0]!.cells, ["x", "0001-01-01T00:00:00Z"]);
});

test("toTable builds a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default", () => {
  const table = toTable(
    podPrinter,
    [pod("a"), pod("b", "Succeeded")],
    { listMeta: { resourceVersion: "100", continue: "tok", remainingItemCount: 5 } },
    NOW,
  );
  assert.equal(table.kind, "Table");
  assert.equal(table.apiVersion, "meta.k8s.io/v1");
  assert.deepEqual(table.metadata, {
    resourceVersion: "100",
    continue: "tok",
    remainingItemCount: 5,
  });
  assert.equal(table.columnDefinitions?.length, 9);
  assert.deepEqual(table.columnDefinitions?.[5], {
    name: "IP",
    type: "string",
    format: "",
    description: "IP address allocated to the pod.",
    priority: 1,
  });
  assert.deepEqual(table.rows[0]!.cells, [
    "a",
    "0/1",
    "Running",
    "0",
    "5m",
    "<none>",
    "<none>",
    "<none>",
    "<none>",
  ]);
  assert.deepEqual(table.rows[0]!.object, {
    kind: "PartialObjectMetadata",
    apiVersion: "meta.k8s.io/v1",
    metadata: pod("a").metadata,
  });
  assert.equal(table.rows[0]!.conditions, undefined);
  assert.equal(table.rows[1]!.conditions?.[0]?.reason, "Succeeded");
  // key order as upstream serializes a row
  assert.deepEqual(Object.keys(table.rows[1]!), ["cells", "conditions", "object"]);
});

test("includeObject, noHeaders and empty list metadata", () => {
  const full = toTable(podPrinter, [pod("a")], { includeObject: "Object" }, NOW);
  assert.deepEqual(full.rows[0]!.object, pod("a"));
  assert.deepEqual(full.metadata, {});
  const none = toTable(podPrinter, [pod("a")], { includeObject: "None", noHeaders: true }, NOW);
  assert.equal(none.rows[0]!.object, null);
  assert.equal(none.columnDefinitions, null);
  assert.equal(
    JSON.stringify(none.rows[0]),
    '{"cells":["a","0/1","Running","0","5m","<none>","<none>","<none>","<none>"],"object":null}',
  );
  const empty = toTable(podPrinter, [], { listMeta: { resourceVersion: "7", continue: "" } }, NOW);
  assert.deepEqual(empty.rows, []);
  assert.deepEqual(empty.metadata, { resourceVersion: "7" });
});

test("watchTables sends column definitions with the first event only, ages at send time", () => {
  let now = NOW;
  const next = watchTables(podPrinter, { includeObject: "None" }, () => now);
  const first = next(pod("a"));
  assert.equal(first.columnDefinitions?.length, 9);
  assert.deepEqual(first.metadata, { resourceVersion: "42" });
  assert.equal(first.rows[0]!.cells[4], "5m");
  now = new Date(NOW.getTime() + 60 * 60 * 1000);
  const second = next(pod("b"));
  assert.equal(second.columnDefinitions, null);
  assert.equal(second.rows[0]!.cells[0], "b");
  assert.equal(second.rows[0]!.cells[4], "65m");
  assert.equal(second.rows[0]!.object, null);
  // every stream starts with its own header
  assert.equal(watchTables(podPrinter, {}, () => now)(pod("c")).columnDefinitions?.length, 9);
  // noHeaders suppresses it from the start
  assert.equal(
    watchTables(podPrinter, { noHeaders: true }, () => now)(pod("c")).columnDefinitions,
    null,
  );
});

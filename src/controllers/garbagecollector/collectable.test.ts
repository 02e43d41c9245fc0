import { test } from "node:test";
import assert from "node:assert/strict";
import { collectableResources } from "./garbage-collector.ts";

test("the collector watches what it can list, watch and delete, never Events (as upstream)", () => {
  const all = ["list", "watch", "delete", "get"];
  const r = (group: string, resource: string, verbs = all) => ({
    ref: { group, version: "v1", resource, namespaced: true },
    kind: resource,
    verbs,
  });
  const discovered = [
    r("", "pods"),
    r("", "events"),
    r("events.k8s.io", "events"),
    r("apps", "replicasets"),
    r("", "bindings", ["create"]),
    r("authorization.k8s.io", "selfsubjectaccessreviews", ["create"]),
    r("example.com", "events"),
  ];
  assert.deepEqual(
    collectableResources(discovered).map((d) => `${d.ref.group}/${d.ref.resource}`),
    ["/pods", "apps/replicasets", "example.com/events"],
  );
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { forbidden } from "./forbidden.ts";
import type { AuthzAttributes } from "./types.ts";

const base: AuthzAttributes = {
  user: { username: "jane", groups: [] },
  verb: "list",
  isResourceRequest: true,
  namespace: "default",
  apiGroup: "",
  apiVersion: "v1",
  resource: "pods",
  subresource: "",
  name: "",
  path: "",
};

test("Forbidden messages in upstream's words", () => {
  const cases: [Partial<AuthzAttributes>, string, string][] = [
    [
      {},
      "",
      'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
    ],
    [
      { verb: "get", name: "p1", subresource: "log" },
      "",
      'pods "p1" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"',
    ],
    [
      { apiGroup: "apps", resource: "deployments", namespace: "" },
      "",
      'deployments.apps is forbidden: User "jane" cannot list resource "deployments" in API group "apps" at the cluster scope',
    ],
    [
      { isResourceRequest: false, verb: "get", path: "/metrics" },
      "",
      'forbidden: User "jane" cannot get path "/metrics"',
    ],
    [
      {},
      "Everything is forbidden.",
      'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default": Everything is forbidden.',
    ],
  ];
  for (const [over, reason, want] of cases) {
    const err = forbidden({ ...base, ...over }, reason);
    assert.equal(err.message, want);
    assert.equal(err.code, 403);
  }
});

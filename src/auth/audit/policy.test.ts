import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluatePolicy, parseAuditPolicy } from "./policy.ts";
import type { AuthzAttributes } from "../types.ts";

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users: ["system:kube-proxy"]
- level: None
  nonResourceURLs: ["/healthz*", "/version"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/log", "*/status"]
- level: Metadata
  namespaces: ["kube-system"]
- level: Request
  verbs: ["create", "update"]
  resources:
  - group: "apps"
    resources: ["deployments"]
    resourceNames: ["web"]
`;

const attrs = (over: Partial<AuthzAttributes>): AuthzAttributes => ({
  user: { username: "jane", groups: [] },
  verb: "get",
  isResourceRequest: true,
  namespace: "default",
  apiGroup: "",
  apiVersion: "v1",
  resource: "pods",
  subresource: "",
  name: "",
  path: "",
  ...over,
});

test("first matching rule decides the level", () => {
  const p = parseAuditPolicy(POLICY);
  const cases: [Partial<AuthzAttributes>, string][] = [
    [{ user: { username: "system:kube-proxy", groups: [] } }, "None"],
    [{ isResourceRequest: false, path: "/healthz/etcd" }, "None"],
    [{ isResourceRequest: false, path: "/metrics" }, "None"],
    [{ subresource: "log" }, "RequestResponse"],
    [{ resource: "nodes", subresource: "status" }, "RequestResponse"],
    [{ namespace: "kube-system" }, "Metadata"],
    [{ verb: "create", apiGroup: "apps", resource: "deployments", name: "web" }, "Request"],
    [{ verb: "create", apiGroup: "apps", resource: "deployments", name: "api" }, "None"],
    [{}, "None"],
  ];
  for (const [over, want] of cases)
    assert.equal(evaluatePolicy(p, attrs(over)).level, want, JSON.stringify(over));
  assert.throws(
    () => parseAuditPolicy("kind: Policy\nrules:\n- level: Loud\n"),
    /Unsupported value/,
  );
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { abacAuthorizer, parseAbacPolicies } from "./abac.ts";
import type { AuthzAttributes } from "../types.ts";

const POLICY = [
  '{"apiVersion":"abac.authorization.kubernetes.io/v1beta1","kind":"Policy","spec":{"user":"alice","namespace":"*","resource":"*","apiGroup":"*"}}',
  '{"apiVersion":"abac.authorization.kubernetes.io/v1beta1","kind":"Policy","spec":{"user":"bob","namespace":"projectCaribou","resource":"pods","readonly":true}}',
  '{"apiVersion":"abac.authorization.kubernetes.io/v1beta1","kind":"Policy","spec":{"group":"system:authenticated","readonly":true,"nonResourcePath":"*"}}',
].join("\n");

test("ABAC: user, group, readonly, namespace, nonResourcePath", async () => {
  const a = abacAuthorizer(parseAbacPolicies(POLICY));
  const attrs = (user: string, over: Partial<AuthzAttributes>): AuthzAttributes => ({
    user: { username: user, groups: ["system:authenticated"] },
    verb: "get",
    isResourceRequest: true,
    namespace: "projectCaribou",
    apiGroup: "",
    apiVersion: "v1",
    resource: "pods",
    subresource: "",
    name: "",
    path: "",
    ...over,
  });
  const cases: [string, Partial<AuthzAttributes>, string][] = [
    ["alice", { verb: "delete", resource: "secrets", namespace: "x" }, "allow"],
    ["bob", {}, "allow"],
    ["bob", { verb: "create" }, "noOpinion"],
    ["bob", { namespace: "other" }, "noOpinion"],
    ["bob", { resource: "secrets" }, "noOpinion"],
    ["carol", { isResourceRequest: false, path: "/version" }, "allow"],
    ["carol", { isResourceRequest: false, path: "/version", verb: "post" }, "noOpinion"],
  ];
  for (const [user, over, want] of cases)
    assert.equal(
      (await a.authorize(attrs(user, over))).decision,
      want,
      `${user} ${JSON.stringify(over)}`,
    );
  assert.throws(() => parseAbacPolicies("{not json"), /line 1/);
});

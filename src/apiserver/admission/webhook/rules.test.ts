import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry, builtinResources } from "../../../api/registry.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";
import { matchRules, ruleMatches, type RuleTarget } from "./rules.ts";
import { parseReviewResponse } from "./admission-review.ts";

const target = (over: Partial<RuleTarget> = {}): RuleTarget => ({
  operation: "CREATE",
  group: "",
  version: "v1",
  resource: "pods",
  subresource: "",
  namespace: "default",
  ...over,
});
const rule = (resources: string[], over: Record<string, unknown> = {}) => ({
  operations: ["CREATE"],
  apiGroups: [""],
  apiVersions: ["v1"],
  resources,
  ...over,
});

test("rules match operations, groups, versions, resources, subresources and scope as upstream", () => {
  const cases: [string, Record<string, unknown>, RuleTarget, boolean][] = [
    ["exact", rule(["pods"]), target(), true],
    ["other resource", rule(["configmaps"]), target(), false],
    ["other operation", rule(["pods"]), target({ operation: "DELETE" }), false],
    ["operation *", rule(["pods"], { operations: ["*"] }), target({ operation: "DELETE" }), true],
    ["* excludes subresources", rule(["*"]), target({ subresource: "status" }), false],
    ["* includes main resources", rule(["*"]), target(), true],
    ["pods/* includes subresources", rule(["pods/*"]), target({ subresource: "status" }), true],
    ["pods/* includes the main resource", rule(["pods/*"]), target(), true],
    [
      "*/scale",
      rule(["*/scale"], { apiGroups: ["apps"] }),
      target({ group: "apps", resource: "deployments", subresource: "scale" }),
      true,
    ],
    ["*/scale not status", rule(["*/scale"]), target({ subresource: "status" }), false],
    ["*/*", rule(["*/*"]), target({ subresource: "log" }), true],
    ["group mismatch", rule(["pods"], { apiGroups: ["apps"] }), target(), false],
    ["version *", rule(["pods"], { apiVersions: ["*"] }), target(), true],
    ["scope Cluster vs namespaced", rule(["pods"], { scope: "Cluster" }), target(), false],
    ["scope Namespaced", rule(["pods"], { scope: "Namespaced" }), target(), true],
    [
      "scope Cluster for cluster objects",
      rule(["nodes"], { scope: "Cluster" }),
      target({ resource: "nodes", namespace: "" }),
      true,
    ],
  ];
  for (const [name, r, t, want] of cases) assert.equal(ruleMatches(r, t), want, name);
});

test("matchPolicy Equivalent matches another served version of the same stored resource", () => {
  const registry = new Registry(builtinResources());
  const v2 = registry.get("autoscaling", "v2", "horizontalpodautoscalers")!;
  const attrs = {
    operation: "CREATE",
    def: v2,
    subresource: "",
    namespace: "default",
    name: "h",
    user: { username: "u", groups: [] },
    dryRun: false,
  } as AdmissionAttributes;
  const anyVersion = rule(["horizontalpodautoscalers"], {
    apiGroups: ["autoscaling"],
    apiVersions: ["*"],
  });
  assert.equal(matchRules([anyVersion], attrs, "Equivalent", registry)?.version, "v2");
  const onlyV1 = { ...anyVersion, apiVersions: ["v1"] };
  assert.equal(matchRules([onlyV1], attrs, "Equivalent", registry)?.version, "v1");
  assert.equal(matchRules([onlyV1], attrs, "Exact", registry), undefined);
});

test("webhook responses are checked as upstream checks them", () => {
  const review = (response: Record<string, unknown>) => ({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: "u1", ...response },
  });
  assert.equal(parseReviewResponse(review({ allowed: true }), "u1", false).allowed, true);
  assert.throws(
    () => parseReviewResponse(review({ allowed: true }), "u2", false),
    /expected response.uid="u2", got "u1"/,
  );
  assert.throws(
    () =>
      parseReviewResponse(
        { ...review({ allowed: true }), apiVersion: "admission.k8s.io/v1beta1" },
        "u1",
        false,
      ),
    /expected webhook response of admission.k8s.io\/v1, Kind=AdmissionReview/,
  );
  const patch = Buffer.from('[{"op":"add","path":"/a","value":1}]').toString("base64");
  assert.throws(
    () =>
      parseReviewResponse(review({ allowed: true, patch, patchType: "JSONPatch" }), "u1", false),
    /validating webhooks may not return patches/,
  );
  assert.deepEqual(
    parseReviewResponse(review({ allowed: true, patch, patchType: "JSONPatch" }), "u1", true).patch,
    [{ op: "add", path: "/a", value: 1 }],
  );
  assert.throws(
    () => parseReviewResponse(review({ allowed: true, patch }), "u1", true),
    /expected patchType "JSONPatch"/,
  );
});

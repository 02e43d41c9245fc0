import { test } from "node:test";
import assert from "node:assert/strict";
import { ruleAllows, rulesCover, subjectMatches } from "./rules.ts";
import type { AuthzAttributes, PolicyRule } from "../types.ts";

const attrs = (over: Partial<AuthzAttributes>): AuthzAttributes => ({
  user: { username: "jane", groups: ["devs"] },
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

test("ruleAllows: verbs, groups, resources, subresources, names, URLs", () => {
  const cases: [string, PolicyRule, Partial<AuthzAttributes>, boolean][] = [
    ["exact", { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, {}, true],
    ["wrong verb", { verbs: ["list"], apiGroups: [""], resources: ["pods"] }, {}, false],
    ["wrong group", { verbs: ["get"], apiGroups: ["apps"], resources: ["pods"] }, {}, false],
    ["star everything", { verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, {}, true],
    [
      "subresource needs res/sub",
      { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
      { subresource: "log" },
      false,
    ],
    [
      "res/sub",
      { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] },
      { subresource: "log" },
      true,
    ],
    [
      "*/sub",
      { verbs: ["get"], apiGroups: [""], resources: ["*/log"] },
      { subresource: "log" },
      true,
    ],
    [
      "names: match",
      { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] },
      { name: "a" },
      true,
    ],
    [
      "names: list has no name",
      { verbs: ["list"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] },
      { verb: "list" },
      false,
    ],
    [
      "url exact",
      { verbs: ["get"], nonResourceURLs: ["/healthz"] },
      { isResourceRequest: false, path: "/healthz" },
      true,
    ],
    [
      "url prefix",
      { verbs: ["get"], nonResourceURLs: ["/apis/*"] },
      { isResourceRequest: false, path: "/apis/apps" },
      true,
    ],
    [
      "url other",
      { verbs: ["get"], nonResourceURLs: ["/healthz"] },
      { isResourceRequest: false, path: "/metrics" },
      false,
    ],
    [
      "resource rule on URL",
      { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
      { isResourceRequest: false, path: "/x" },
      false,
    ],
  ];
  for (const [name, rule, over, want] of cases)
    assert.equal(ruleAllows(attrs(over), rule), want, name);
});

test("subjectMatches: users, groups, service accounts with defaulted namespace", () => {
  const sa = { username: "system:serviceaccount:team:bot", groups: [] };
  const cases: [string, { kind: string; name: string; namespace?: string }, boolean][] = [
    ["user", { kind: "User", name: "system:serviceaccount:team:bot" }, true],
    ["group", { kind: "Group", name: "devs" }, false],
    ["sa explicit", { kind: "ServiceAccount", name: "bot", namespace: "team" }, true],
    ["sa defaulted", { kind: "ServiceAccount", name: "bot" }, true],
    ["sa other ns", { kind: "ServiceAccount", name: "bot", namespace: "x" }, false],
  ];
  for (const [name, subject, want] of cases)
    assert.equal(subjectMatches(subject, sa, "team"), want, name);
});

test("rulesCover: escalation check per verb/resource/name", () => {
  const owned: PolicyRule[] = [
    { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
    { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["s1"] },
  ];
  const cases: [string, PolicyRule, boolean][] = [
    ["subset", { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, true],
    ["more verbs", { verbs: ["get", "delete"], apiGroups: [""], resources: ["pods"] }, false],
    [
      "named secret",
      { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["s1"] },
      true,
    ],
    ["all secrets", { verbs: ["get"], apiGroups: [""], resources: ["secrets"] }, false],
    ["url", { verbs: ["get"], nonResourceURLs: ["/healthz"] }, false],
  ];
  for (const [name, rule, want] of cases) assert.equal(rulesCover(owned, rule), want, name);
});

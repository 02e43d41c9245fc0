import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { computeQuotaStatus, targetsFor } from "./quota-status.ts";

const now = Date.UTC(2026, 0, 1);
const pod = (cpu: string | undefined, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name: "p" },
  spec: {
    containers: [{ name: "c", resources: cpu ? { requests: { cpu }, limits: { cpu } } : {} }],
    ...extra,
  },
  status: { phase: "Running" },
});

test("used sums every counted object; terminal pods only count in count/pods", () => {
  const objects: Record<string, KObject[]> = {
    pods: [pod("100m"), pod("250m"), { ...pod("1"), status: { phase: "Failed" } }],
    services: [{ metadata: { name: "s" }, spec: { type: "NodePort", ports: [{ port: 1 }] } }],
    "deployments.apps": [{ metadata: { name: "d" } }],
  };
  const quota: KObject = {
    metadata: { name: "q" },
    spec: {
      hard: {
        pods: "10",
        "count/pods": "10",
        "requests.cpu": "2",
        "limits.cpu": "4",
        "services.nodeports": "1",
        "count/deployments.apps": "2",
        secrets: "3",
      },
    },
  };
  const status = computeQuotaStatus(
    quota,
    (t) => objects[t.group ? `${t.resource}.${t.group}` : t.resource] ?? [],
    now,
  );
  assert.deepEqual(status.used, {
    "count/deployments.apps": "1",
    "count/pods": "3",
    "limits.cpu": "350m",
    pods: "2",
    "requests.cpu": "350m",
    secrets: "0",
    "services.nodeports": "1",
  });
  assert.deepEqual(status.hard, (quota.spec as { hard: object }).hard);
});

test("scoped quotas count only the pods their scopes select", () => {
  const pods = [pod(undefined), pod("1"), pod("1", { activeDeadlineSeconds: 30 })];
  const cases: [Record<string, unknown>, string][] = [
    [{ scopes: ["BestEffort"] }, "1"],
    [{ scopes: ["NotBestEffort"] }, "2"],
    [{ scopes: ["NotBestEffort", "Terminating"] }, "1"],
    [
      {
        scopeSelector: { matchExpressions: [{ scopeName: "NotTerminating", operator: "Exists" }] },
      },
      "2",
    ],
  ];
  for (const [spec, want] of cases) {
    const status = computeQuotaStatus(
      { metadata: { name: "q" }, spec: { hard: { pods: "9" }, ...spec } },
      (t) => (t.resource === "pods" ? pods : []),
      now,
    );
    assert.equal(status.used.pods, want, JSON.stringify(spec));
  }
});

test("quota names map to the resources that can use them", () => {
  assert.deepEqual(targetsFor("count/jobs.batch"), [{ group: "batch", resource: "jobs" }]);
  assert.deepEqual(targetsFor("requests.storage"), [
    { group: "", resource: "persistentvolumeclaims" },
  ]);
  assert.deepEqual(targetsFor("configmaps"), [{ group: "", resource: "configmaps" }]);
  assert.deepEqual(targetsFor("requests.cpu"), [{ group: "", resource: "pods" }]);
});

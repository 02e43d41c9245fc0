/**
 * A resource served in several versions from one storage prefix (HPA in
 * autoscaling/v1 and v2): the watch cache keeps the stored JSON of such
 * objects, so each version is decoded from it, in any order, before and
 * after an update.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { useTestServer } from "./testing/test-server.ts";

const t = useTestServer();
const path = (version: string, name = "") =>
  `/apis/autoscaling/${version}/namespaces/default/horizontalpodautoscalers${name ? `/${name}` : ""}?resourceVersion=0`;

const hpa = (cpu: number) => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web" },
  spec: {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpu } },
      },
    ],
  },
});

/** The CPU target as each version spells it. */
interface HpaView {
  spec?: {
    targetCPUUtilizationPercentage?: number;
    metrics?: { resource?: { target?: { averageUtilization?: number } } }[];
  };
}

function cpuOf(version: string, obj: HpaView): number | undefined {
  return version === "v1"
    ? obj.spec?.targetCPUUtilizationPercentage
    : obj.spec?.metrics?.[0]?.resource?.target?.averageUtilization;
}

test("HPAs read from the cache in v2, v1, v2 (lists and gets), before and after an update", async () => {
  const created = await t.call("POST", path("v2").split("?")[0]!, hpa(60));
  assert.equal(created.status, 201, created.text);
  for (const cpu of [60, 70]) {
    if (cpu === 70) {
      const patched = await t.call(
        "PATCH",
        path("v2", "web").split("?")[0]!,
        { spec: { metrics: hpa(70).spec.metrics } },
        { "Content-Type": "application/merge-patch+json" },
      );
      assert.equal(patched.status, 200, patched.text);
    }
    for (const version of ["v2", "v1", "v2", "v1"]) {
      // The cache follows storage's watch: poll until this version shows the write.
      let got: number | undefined;
      for (let i = 0; i < 500 && got !== cpu; i++) {
        const list = await t.call("GET", path(version));
        assert.equal(list.status, 200, list.text);
        got = cpuOf(version, list.body.items[0]);
        if (got !== cpu) await new Promise((r) => setImmediate(r));
      }
      assert.equal(got, cpu, `list ${version}`);
      const one = await t.call("GET", path(version, "web"));
      assert.equal(one.body.apiVersion, `autoscaling/${version}`);
      assert.equal(cpuOf(version, one.body), cpu, `get ${version}`);
    }
  }
});

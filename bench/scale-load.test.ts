import { test } from "node:test";
import assert from "node:assert/strict";
import { planWorkload } from "./scale-load.ts";

test("planWorkload splits pods over namespaces, sizes and jobs", () => {
  const cases: [number, number, number][] = [
    // pods, per namespace, namespaces
    [3000, 3000, 1],
    [30_000, 3000, 10],
    [150_000, 3000, 50],
    [7, 3000, 1],
  ];
  for (const [pods, per, nsCount] of cases) {
    const plan = planWorkload(pods, per);
    assert.equal(plan.namespaces.length, nsCount, `${pods}`);
    assert.equal(plan.deploymentPods + plan.jobPods, pods, `${pods} pods all planned`);
    const byNs = new Map<string, number>();
    for (const o of plan.objects) byNs.set(o.namespace, (byNs.get(o.namespace) ?? 0) + o.replicas);
    for (const n of byNs.values()) assert.ok(n <= per, `namespace holds ${n} <= ${per}`);
    for (const o of plan.objects) {
      if (o.kind === "Deployment") assert.ok(o.replicas >= 1 && o.replicas <= 250);
      if (o.kind === "Job") assert.ok(o.replicas >= 1 && o.replicas <= 10);
    }
    const names = plan.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`);
    assert.equal(new Set(names).size, names.length, "names unique");
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { manifest, planLatency, planWorkload, scaleTargets } from "./scale-load.ts";

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

test("planLatency spreads 1-replica latency Deployments over namespaces", () => {
  const l = planLatency(["a", "b"], 5);
  assert.deepEqual(
    l.map((o) => `${o.namespace}/${o.name}/${o.replicas}/${o.group}`),
    [
      "a/latency-deployment-0/1/latency",
      "b/latency-deployment-0/1/latency",
      "a/latency-deployment-1/1/latency",
      "b/latency-deployment-1/1/latency",
      "a/latency-deployment-2/1/latency",
    ],
  );
  const pod = (manifest(l[0]!) as { spec: { template: { metadata: { labels: object } } } }).spec
    .template.metadata.labels;
  assert.deepEqual(pod, { app: "latency-deployment-0", bench: "scale", group: "latency" });
});

test("scaleTargets: each size in [X/2, 3X/2], repeatable, not all equal", () => {
  const sizes = Array.from({ length: 200 }, (_, i) => [250, 30, 5, 1][i % 4]!);
  const t = scaleTargets(sizes, 7);
  assert.deepEqual(t, scaleTargets(sizes, 7), "same seed, same sizes");
  sizes.forEach((x, i) => {
    assert.ok(t[i]! >= Math.max(1, Math.ceil(x / 2)), `${t[i]} >= ${x}/2`);
    assert.ok(t[i]! <= Math.max(1, Math.floor((3 * x) / 2)), `${t[i]} <= 3*${x}/2`);
  });
  assert.ok(new Set(t.filter((_, i) => sizes[i] === 250)).size > 10, "spread out");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { planWorkload } from "./scale-load.ts";
import { paramRows, pickScaled, runParams } from "./scale-params.ts";

test("runParams: CL2's paces at full size or with --cl2, scaled below", () => {
  const cases: {
    nodes: number;
    pods: number;
    cl2?: boolean;
    latencyPods?: number;
    want: { mode: string; latencyPods: number; readQps: number; idleSeconds: number };
    allScaled: boolean;
  }[] = [
    {
      nodes: 5000,
      pods: 150_000,
      want: { mode: "CL2", latencyPods: 5000, readQps: 40, idleSeconds: 20 },
      allScaled: true,
    },
    {
      nodes: 500,
      pods: 15_000,
      cl2: true,
      want: { mode: "CL2", latencyPods: 500, readQps: 40, idleSeconds: 20 },
      allScaled: true,
    },
    {
      nodes: 500,
      pods: 15_000,
      want: { mode: "scaled f=0.1", latencyPods: 100, readQps: 100, idleSeconds: 10 },
      allScaled: false,
    },
    {
      nodes: 1000,
      pods: 30_000,
      want: { mode: "scaled f=0.2", latencyPods: 200, readQps: 100, idleSeconds: 10 },
      allScaled: false,
    },
    {
      nodes: 500,
      pods: 15_000,
      latencyPods: 42,
      want: { mode: "scaled f=0.1", latencyPods: 42, readQps: 100, idleSeconds: 10 },
      allScaled: false,
    },
  ];
  for (const c of cases) {
    const deployments = planWorkload(c.pods).objects.filter((o) => o.kind === "Deployment");
    const p = runParams({ ...c, cl2: c.cl2 ?? false, deployments, latencyQps: 5 });
    const name = `${c.nodes}/${c.pods}${c.cl2 ? " --cl2" : ""}`;
    assert.deepEqual(
      { mode: p.mode, latencyPods: p.latencyPods, readQps: p.readQps, idleSeconds: p.idleSeconds },
      c.want,
      name,
    );
    assert.equal(p.latencyQps, 5, name);
    assert.equal(p.scaled.length === deployments.length, c.allScaled, name);
    if (!c.allScaled) {
      const f = c.pods / 150_000;
      assert.equal(p.scaled.length, Math.max(100, Math.ceil(deployments.length * f)), name);
    }
    assert.equal(paramRows(p, deployments.length)[0]!.value, p.mode);
  }
});

test("pickScaled: big and medium Deployments first, then small ones spread out", () => {
  const d = (replicas: number, i: number) => ({
    kind: "Deployment" as const,
    namespace: `ns-${i % 3}`,
    name: `d-${i}`,
    replicas,
  });
  const list = [250, 5, 5, 30, 5, 5, 5, 5, 30, 5].map(d);
  assert.deepEqual(pickScaled(list, 3), [0, 3, 8]);
  assert.deepEqual(pickScaled(list, 5), [0, 1, 3, 5, 8]);
  assert.deepEqual(pickScaled(list, 2), [0, 3]);
  assert.equal(pickScaled(list, 10).length, 10);
  assert.equal(pickScaled(list, 50).length, 10);
  const sorted = pickScaled(list, 7);
  assert.deepEqual(
    sorted,
    [...sorted].sort((a, b) => a - b),
  );
});

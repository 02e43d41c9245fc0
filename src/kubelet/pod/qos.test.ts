import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { oomScoreAdj, podCgroupParent, podQOS } from "./qos.ts";

const pod = (...resources: object[]): Pod => ({
  spec: { containers: resources.map((r, i) => ({ name: `c${i}`, resources: r })) },
});

test("podQOS classifies as upstream", () => {
  const cases: { name: string; pod: Pod; want: string }[] = [
    { name: "no resources", pod: pod({}), want: "BestEffort" },
    {
      name: "limits equal requests",
      pod: pod({ limits: { cpu: "1", memory: "1Gi" } }),
      want: "Guaranteed",
    },
    {
      name: "requests below limits",
      pod: pod({ requests: { cpu: "500m" }, limits: { cpu: "1", memory: "1Gi" } }),
      want: "Burstable",
    },
    { name: "only cpu limit", pod: pod({ limits: { cpu: "1" } }), want: "Burstable" },
    {
      name: "one container without limits",
      pod: pod({ limits: { cpu: "1", memory: "1Gi" } }, {}),
      want: "Burstable",
    },
  ];
  for (const c of cases) assert.equal(podQOS(c.pod), c.want, c.name);
});

test("cgroup parents and OOM scores follow the QoS class", () => {
  assert.equal(podCgroupParent("/kubepods", "Guaranteed", "u"), "/kubepods/podu");
  assert.equal(podCgroupParent("/kubepods/", "BestEffort", "u"), "/kubepods/besteffort/podu");
  assert.equal(oomScoreAdj("Guaranteed", 0, 100), 0);
  assert.equal(oomScoreAdj("BestEffort", 0, 100), 1000);
  assert.equal(oomScoreAdj("Burstable", 50, 100), 500);
  assert.equal(oomScoreAdj("Burstable", 100, 100), 2);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { containerUsage } from "./usage.ts";

const pod = (requests?: Record<string, string>, annotations?: Record<string, string>): Pod => ({
  metadata: { name: "p", annotations },
  spec: { containers: [{ name: "c", image: "busybox", resources: { requests } }] },
});

const profile = { cpuUsageFraction: 0.5, memoryUsageFraction: 0.25 };

test("containerUsage", () => {
  const cases: [string, Pod, string, number, number][] = [
    ["fraction of requests", pod({ cpu: "200m", memory: "64Mi" }), "c", 100e6, 16 * 2 ** 20],
    ["defaults without requests", pod(), "c", 50e6, 4 * 2 ** 20],
    [
      "annotations win",
      pod(
        { cpu: "1" },
        { "simulate.k8ts.io/cpu-usage": "750m", "simulate.k8ts.io/memory-usage": "1Gi" },
      ),
      "c",
      750e6,
      2 ** 30,
    ],
    ["unknown container", pod({ cpu: "1" }), "other", 0, 0],
  ];
  for (const [name, p, c, cpu, mem] of cases) {
    const u = containerUsage(p, c, profile);
    assert.equal(u.cpuNanoCores, cpu, name);
    assert.equal(u.memoryBytes, mem, name);
  }
});

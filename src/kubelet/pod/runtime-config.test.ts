import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { linuxResources, sandboxConfig } from "./runtime-config.ts";

test("linuxResources converts requests and limits as upstream", () => {
  const pod = (resources: object): Pod => ({ spec: { containers: [{ name: "c", resources }] } });
  const cases: { name: string; resources: object; want: object }[] = [
    {
      name: "best effort",
      resources: {},
      want: { cpuShares: 2, cpuQuota: 0, memoryLimitInBytes: 0, oomScoreAdj: 1000 },
    },
    {
      name: "guaranteed",
      resources: { limits: { cpu: "500m", memory: "64Mi" } },
      want: { cpuShares: 512, cpuQuota: 50_000, memoryLimitInBytes: 64 << 20, oomScoreAdj: 0 },
    },
    {
      name: "burstable",
      resources: { requests: { cpu: "100m", memory: "512Mi" } },
      want: { cpuShares: 102, cpuQuota: 0, memoryLimitInBytes: 0, oomScoreAdj: 500 },
    },
  ];
  for (const c of cases) {
    const p = pod(c.resources);
    const r = linuxResources(p, p.spec!.containers[0], 1 << 30);
    assert.deepEqual(
      {
        cpuShares: r.cpuShares,
        cpuQuota: r.cpuQuota,
        memoryLimitInBytes: r.memoryLimitInBytes,
        oomScoreAdj: r.oomScoreAdj,
      },
      c.want,
      c.name,
    );
    assert.equal(r.cpuPeriod, 100_000);
  }
});

test("sandboxConfig labels, log directory, cgroup parent and host ports", () => {
  const pod: Pod = {
    metadata: { name: "web", namespace: "ns", uid: "u1", labels: { app: "w" } },
    spec: {
      containers: [
        { name: "c", ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] },
      ],
    },
  };
  const c = sandboxConfig(pod, 2, { logsDir: "/logs", cgroupRoot: "/kubepods" });
  assert.deepEqual(c.metadata, { name: "web", uid: "u1", namespace: "ns", attempt: 2 });
  assert.equal(c.logDirectory, "/logs/ns_web_u1");
  assert.equal(c.linux.cgroupParent, "/kubepods/besteffort/podu1");
  assert.equal(c.labels["io.kubernetes.pod.uid"], "u1");
  assert.equal(c.labels.app, "w");
  assert.deepEqual(c.portMappings, [
    { protocol: "TCP", containerPort: 80, hostPort: 8080, hostIp: "" },
  ]);
  assert.deepEqual(c.linux.namespaceOptions, { network: "POD", pid: "CONTAINER", ipc: "POD" });
});

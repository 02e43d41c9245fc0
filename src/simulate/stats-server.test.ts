import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../client/clock.ts";
import { containerConfig, sandboxConfig } from "../kubelet/pod/runtime-config.ts";
import { StatsProvider } from "../kubelet/server/stats-provider.ts";
import { HollowRuntime } from "./hollow-runtime.ts";
import { makeProfile } from "./profile.ts";
import { hollowSummary } from "./stats-server.ts";

test("hollowSummary reports the pods' simulated usage and the node as their sum", async () => {
  const clock = new FakeClock(Date.now());
  const pod: Pod = {
    metadata: {
      name: "busy",
      namespace: "default",
      uid: "u1",
      annotations: { "simulate.k8ts.io/cpu-usage": "90m", "simulate.k8ts.io/memory-usage": "64Mi" },
    },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  };
  const rt = new HollowRuntime({
    clock,
    profile: makeProfile({}),
    ipPrefix: "10.64.0",
    podFor: () => pod,
    exitsIn: () => {},
  });
  const sb = sandboxConfig(pod, 0, { logsDir: "/tmp/x", cgroupRoot: "/x" });
  const sid = await rt.runPodSandbox(sb);
  await rt.pullImage("nginx");
  const cfg = containerConfig(pod, pod.spec!.containers[0]!, 0, {
    image: "nginx",
    command: ["nginx"],
    args: [],
    envs: [],
    mounts: [],
    memoryCapacity: 1 << 30,
    isInit: false,
  });
  await rt.startContainer(await rt.createContainer(sid, cfg, sb));
  const provider = new StatsProvider({
    runtime: rt,
    nodeName: "n",
    clock,
    pods: () => [pod],
    memoryCapacity: 8 * 2 ** 30,
  });
  for (const advance of [5000, 10_000, 15_000]) {
    clock.advance(advance);
    const s = await hollowSummary(provider, 8 * 2 ** 30);
    assert.equal(s.pods.length, 1);
    assert.equal(s.pods[0]!.cpu?.usageNanoCores, 90e6, `after ${advance} ms`);
    assert.equal(s.pods[0]!.memory?.workingSetBytes, 64 * 2 ** 20);
    assert.equal(s.node.cpu?.usageNanoCores, 90e6 + 100e6);
    assert.equal(s.node.memory?.workingSetBytes, (64 + 256) * 2 ** 20);
  }
});

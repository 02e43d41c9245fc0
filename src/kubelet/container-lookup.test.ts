import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import { findContainer, findSandbox } from "./container-lookup.ts";
import { containerConfig, sandboxConfig } from "./pod/runtime-config.ts";
import { SimulatedRuntime } from "./runtime/simulated/simulated-runtime.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";

test("findContainer returns the newest or the previous instance; findSandbox the ready sandbox", async () => {
  const rt = new SimulatedRuntime({ clock: new FakeClock() });
  const pod: Pod = {
    metadata: { name: "web", namespace: "ns", uid: "u" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  };
  const sb = sandboxConfig(pod, 0, { logsDir: "/logs", cgroupRoot: "/kubepods" });
  const sandboxId = await rt.runPodSandbox(sb);
  const ids: string[] = [];
  for (const attempt of [0, 1, 2]) {
    const cfg = containerConfig(pod, pod.spec!.containers[0], attempt, {
      image: "busybox",
      command: [],
      args: [],
      envs: [],
      mounts: [],
      memoryCapacity: 1 << 30,
      isInit: false,
    });
    ids.push(await rt.createContainer(sandboxId, cfg, sb));
  }
  const cases = [
    { previous: false, id: ids[2], log: "/logs/ns_web_u/c/2.log" },
    { previous: true, id: ids[1], log: "/logs/ns_web_u/c/1.log" },
  ];
  for (const c of cases) {
    const ref = await findContainer(rt, "ns", "web", "c", { previous: c.previous });
    assert.equal(ref?.id, c.id);
    assert.equal(ref?.logPath, c.log);
    assert.equal(ref?.podSandboxId, sandboxId);
  }
  assert.equal(await findContainer(rt, "ns", "web", "nope"), undefined);
  assert.equal((await findSandbox(rt, "ns", "web"))?.id, sandboxId);
  await rt.stopPodSandbox(sandboxId);
  assert.equal(await findSandbox(rt, "ns", "web"), undefined);
});

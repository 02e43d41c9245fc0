import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../../client/clock.ts";
import { createLogger } from "../../util/logger.ts";
import type { Container, ContainerRuntime, Image } from "../runtime/runtime.ts";
import type { StatsProvider } from "../server/stats-provider.ts";
import { nodePressureManagers } from "./node-pressure.ts";

const Gi = 1024 * 1024 * 1024;

/** A node whose disk is short while the "nginx" image exists; only a dead container uses it. */
function node(withContainerGC: boolean) {
  const calls: string[] = [];
  let images: Image[] = ["busybox", "nginx"].map((n) => ({
    id: `sha256:${n}`,
    repoTags: [`docker.io/library/${n}:latest`],
    repoDigests: [],
    size: Gi,
    username: "",
    pinned: false,
  }));
  let containers = [
    { id: "dead", imageRef: "sha256:nginx", image: "nginx", state: "CONTAINER_EXITED" },
    { id: "live", imageRef: "sha256:busybox", image: "busybox", state: "CONTAINER_RUNNING" },
  ] as Container[];
  const runtime = {
    listImages: async () => images,
    listContainers: async () => containers,
    removeImage: async (id: string) => {
      calls.push(`rmi ${id}`);
      images = images.filter((i) => i.id !== id);
    },
  } as unknown as ContainerRuntime;
  const keeper: Pod = { metadata: { name: "keeper", uid: "k" }, spec: { containers: [] } };
  const m = nodePressureManagers({
    runtime,
    clock: new FakeClock(),
    log: createLogger("test", { write: () => {} }),
    stats: {} as StatsProvider,
    memoryCapacity: 16 * Gi,
    dataDir: "/nonexistent",
    podsDir: "/nonexistent",
    logsDir: "/nonexistent",
    cgroupRoot: "/nonexistent",
    eviction: { hard: "nodefs.available<10%" },
    imageGC: { minAgeMs: 0 },
    evictionStats: async () => ({
      nodefs: {
        availableBytes: images.some((i) => i.id === "sha256:nginx") ? 5 * Gi : 50 * Gi,
        capacityBytes: 100 * Gi,
      },
      pods: new Map(),
    }),
    pods: () => [keeper],
    activePods: () => [keeper],
    deleteAllUnusedContainers: withContainerGC
      ? async () => {
          calls.push("delete unused containers");
          containers = containers.filter((c) => c.state === "CONTAINER_RUNNING");
        }
      : undefined,
    evict: async (pod) => void calls.push(`evict ${pod.metadata?.name}`),
    nodeEvent: () => {},
  });
  return { m, calls };
}

test("disk reclaim removes dead containers first, so the images they held can go; no pod evicted", async () => {
  const { m, calls } = node(true);
  assert.equal(await m.eviction.synchronize(), undefined);
  assert.deepEqual(calls, ["delete unused containers", "rmi sha256:nginx"]);
  assert.equal(m.pressure().disk, true);
});

test("without dead-container removal the image stays in use and a pod is evicted", async () => {
  const { m, calls } = node(false);
  assert.equal((await m.eviction.synchronize())?.metadata?.name, "keeper");
  assert.deepEqual(calls, ["evict keeper"]);
});

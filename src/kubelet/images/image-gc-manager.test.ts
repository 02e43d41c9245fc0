import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { createLogger } from "../../util/logger.ts";
import type { Container, ContainerRuntime, Image } from "../runtime/runtime.ts";
import {
  ImageGCManager,
  ImageGCPolicyError,
  defaultImageGCPolicy,
  validateImageGCPolicy,
} from "./image-gc-manager.ts";

const Mi = 1024 * 1024;

/** The image half of a runtime: images by name, containers by the image id they use. */
function fakeRuntime() {
  const images = new Map<string, Image>();
  const containers: Container[] = [];
  const removed: string[] = [];
  const runtime = {
    async listImages() {
      return [...images.values()];
    },
    async listContainers() {
      return containers;
    },
    async removeImage(id: string) {
      removed.push(id);
      for (const [n, i] of images) if (i.id === id) images.delete(n);
    },
  } as unknown as ContainerRuntime;
  const add = (name: string, sizeMi: number, pinned = false) =>
    images.set(name, {
      id: `sha256:${name}`,
      repoTags: [`docker.io/library/${name}:latest`],
      repoDigests: [],
      size: sizeMi * Mi,
      username: "",
      pinned,
    });
  const use = (name: string) =>
    containers.push({ id: `c-${name}`, imageRef: `sha256:${name}`, image: name } as Container);
  const unuse = (name: string) =>
    containers.splice(
      containers.findIndex((c) => c.id === `c-${name}`),
      1,
    );
  return { runtime, images, removed, add, use, unuse };
}

test("validateImageGCPolicy rejects what upstream's kubelet rejects", () => {
  validateImageGCPolicy(defaultImageGCPolicy);
  validateImageGCPolicy({ ...defaultImageGCPolicy, highThresholdPercent: 100 });
  for (const bad of [
    { highThresholdPercent: 101 },
    { lowThresholdPercent: -1 },
    { highThresholdPercent: 80, lowThresholdPercent: 80 },
    { highThresholdPercent: 100, lowThresholdPercent: 100 },
    { highThresholdPercent: 70, lowThresholdPercent: 80 },
    { minAgeMs: -1 },
  ])
    assert.throws(
      () => validateImageGCPolicy({ ...defaultImageGCPolicy, ...bad }),
      ImageGCPolicyError,
      JSON.stringify(bad),
    );
});

test("ImageGCManager frees unused images, least recently used first, down to the low threshold", async () => {
  const clock = new FakeClock();
  const rt = fakeRuntime();
  const events: string[] = [];
  let availableMi = 50;
  rt.add("pause", 1, true);
  rt.add("busybox", 4);
  rt.add("old", 4);
  rt.add("mid", 4);
  rt.add("sandboxed", 4);
  rt.use("busybox");
  const gc = new ImageGCManager({
    runtime: rt.runtime,
    clock,
    log: createLogger("test", { write: () => {} }),
    imageFsStats: async () => ({ capacityBytes: 100 * Mi, availableBytes: availableMi * Mi }),
    pinnedImages: ["docker.io/library/sandboxed:latest"],
    nodeEvent: (reason, message) => events.push(`${reason}: ${message}`),
  });
  const t0 = clock.now();
  await gc.detectImages(t0);
  // "mid" is used by a container for a while, so it was used more recently than "old".
  clock.advance(60_000);
  rt.use("mid");
  await gc.detectImages(clock.now());
  rt.unuse("mid");
  clock.advance(40_000);
  rt.add("new", 4);
  await gc.detectImages(clock.now());
  clock.advance(50_000);

  // 50 % used: below the high threshold (85 %), nothing removed.
  assert.equal(await gc.garbageCollect(), 0);
  assert.deepEqual(rt.removed, []);
  // 86 % used: free 20 % - 14 % = 6 MiB: "old" (never used), then "mid"; "new" is younger than 2 min.
  availableMi = 14;
  assert.equal(await gc.garbageCollect(), 8 * Mi);
  assert.deepEqual(rt.removed, ["sha256:old", "sha256:mid"]);
  // 95 % used, nothing eligible: the shortfall is reported.
  availableMi = 5;
  assert.equal(await gc.garbageCollect(), 0);
  assert.deepEqual(events, [
    `FreeDiskSpaceFailed: Failed to garbage collect required amount of images. Attempted to free ${15 * Mi} bytes, but only found 0 bytes eligible to free.`,
  ]);
  // Node-level reclaim removes every unused image once old enough; in-use and pinned ones stay.
  assert.equal(await gc.deleteUnusedImages(), 0);
  clock.advance(80_000);
  assert.equal(await gc.deleteUnusedImages(), 4 * Mi);
  assert.deepEqual([...rt.images.keys()].sort(), ["busybox", "pause", "sandboxed"]);
});

test("ImageGCManager with --image-gc-high-threshold=100 never removes images", async () => {
  const clock = new FakeClock();
  const rt = fakeRuntime();
  rt.add("old", 4);
  const gc = new ImageGCManager({
    runtime: rt.runtime,
    clock,
    log: createLogger("test", { write: () => {} }),
    policy: { ...defaultImageGCPolicy, highThresholdPercent: 100, lowThresholdPercent: 90 },
    imageFsStats: async () => ({ capacityBytes: 100, availableBytes: 0 }),
  });
  await gc.detectImages(clock.now());
  clock.advance(600_000);
  assert.equal(await gc.garbageCollect(), 0);
  assert.deepEqual(rt.removed, []);
});

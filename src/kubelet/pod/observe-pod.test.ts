import { test } from "node:test";
import assert from "node:assert/strict";
import type { ContainerRuntime, ContainerStatus } from "../runtime/runtime.ts";
import { withStarted, type PodObserved } from "./observe-pod.ts";

const status = (id: string, name: string, attempt: number, state: ContainerStatus["state"]) =>
  ({ id, metadata: { name, attempt }, state }) as ContainerStatus;

test("withStarted puts the started containers' statuses first and leaves the rest as observed", async () => {
  const fresh = new Map([
    ["c2", status("c2", "app", 1, "CONTAINER_RUNNING")],
    ["s1", status("s1", "side", 0, "CONTAINER_RUNNING")],
  ]);
  const rt = {
    containerStatus: async (id: string) => fresh.get(id),
  } as unknown as ContainerRuntime;
  const obs: PodObserved = {
    sandboxes: [],
    containers: new Map([["app", [status("c1", "app", 0, "CONTAINER_EXITED")]]]),
  };
  const got = await withStarted(rt, obs, ["c2", "s1", "gone"]);
  assert.deepEqual(
    [...got.containers].map(([n, l]) => [n, l.map((s) => `${s.id}:${s.state}`)]),
    [
      ["app", ["c2:CONTAINER_RUNNING", "c1:CONTAINER_EXITED"]],
      ["side", ["s1:CONTAINER_RUNNING"]],
    ],
  );
  assert.equal(obs.containers.get("app")!.length, 1, "the observation itself is not changed");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { PodIndexedMap, podUidLabel } from "./simulated-pod-index.ts";
import { SimulatedRuntime } from "./simulated-runtime.ts";
import type { ContainerConfig, PodSandboxConfig } from "../runtime.ts";

const entry = (id: string, uid?: string) => ({
  id,
  labels: (uid ? { [podUidLabel]: uid } : {}) as Record<string, string>,
});

test("PodIndexedMap: candidates by id, by pod uid label, else all, in insertion order", () => {
  const m = new PodIndexedMap<{ id: string; labels: Record<string, string> }>();
  for (const [id, uid] of [
    ["a", "p1"],
    ["b", "p2"],
    ["c", "p1"],
    ["d", undefined],
  ] as const)
    m.set(id, entry(id, uid));
  const ids = (f: Parameters<typeof m.candidates>[0]) => [...m.candidates(f)].map((e) => e.id);
  const cases: { name: string; filter: Parameters<typeof m.candidates>[0]; want: string[] }[] = [
    { name: "all", filter: {}, want: ["a", "b", "c", "d"] },
    { name: "pod p1", filter: { labelSelector: { [podUidLabel]: "p1" } }, want: ["a", "c"] },
    {
      name: "other labels only",
      filter: { labelSelector: { x: "y" } },
      want: ["a", "b", "c", "d"],
    },
    { name: "unknown pod", filter: { labelSelector: { [podUidLabel]: "p9" } }, want: [] },
    { name: "id", filter: { id: "b" }, want: ["b"] },
    { name: "unknown id", filter: { id: "z" }, want: [] },
  ];
  for (const c of cases) assert.deepEqual(ids(c.filter), c.want, c.name);
  m.delete("a");
  m.set("c", entry("c", "p2"));
  assert.deepEqual(ids({ labelSelector: { [podUidLabel]: "p1" } }), []);
  assert.deepEqual(ids({ labelSelector: { [podUidLabel]: "p2" } }), ["b", "c"]);
  assert.equal(m.size, 3);
});

test("SimulatedRuntime: a pod's sandboxes and containers by uid label, before and after removal", async () => {
  const rt = new SimulatedRuntime();
  const sandbox = (uid: string): PodSandboxConfig =>
    ({
      metadata: { name: uid, namespace: "default", uid, attempt: 0 },
      labels: { [podUidLabel]: uid },
      annotations: {},
      logDirectory: "/logs",
      linux: { namespaceOptions: { network: "POD" } },
    }) as unknown as PodSandboxConfig;
  const container = (uid: string, name: string): ContainerConfig =>
    ({
      metadata: { name, attempt: 0 },
      image: "busybox",
      command: ["sleep"],
      args: [],
      labels: { [podUidLabel]: uid },
      annotations: {},
      logPath: `${name}.log`,
    }) as unknown as ContainerConfig;
  const ids: Record<string, { sandbox: string; containers: string[] }> = {};
  for (const uid of ["u1", "u2", "u3"]) {
    const cfg = sandbox(uid);
    const sb = await rt.runPodSandbox(cfg);
    ids[uid] = { sandbox: sb, containers: [] };
    for (const n of ["a", "b"])
      ids[uid]!.containers.push(await rt.createContainer(sb, container(uid, n), cfg));
  }
  const of = async (uid: string) => ({
    sandboxes: (await rt.listPodSandbox({ labelSelector: { [podUidLabel]: uid } })).map(
      (s) => s.id,
    ),
    containers: (await rt.listContainers({ labelSelector: { [podUidLabel]: uid } })).map(
      (c) => c.id,
    ),
  });
  assert.deepEqual(await of("u2"), {
    sandboxes: [ids.u2!.sandbox],
    containers: ids.u2!.containers,
  });
  await rt.removeContainer(ids.u2!.containers[0]!);
  await rt.removePodSandbox(ids.u3!.sandbox);
  assert.deepEqual(await of("u2"), {
    sandboxes: [ids.u2!.sandbox],
    containers: [ids.u2!.containers[1]],
  });
  assert.deepEqual(await of("u3"), { sandboxes: [], containers: [] });
  assert.equal((await rt.listContainers()).length, 3);
  assert.equal((await rt.listPodSandbox({ id: ids.u1!.sandbox })).length, 1);
});

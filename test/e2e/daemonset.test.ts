/**
 * The DaemonSet controller in a real controller-manager process against a
 * real API server and scheduler, driven by the real kubectl. No kubelet
 * runs: Node objects are made by hand and the test plays the kubelet
 * (pods Running and Ready, terminating pods removed).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { eventually, startCluster, stopChild, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
let manager: ChildProcess;
let managerLog = "";
let kubelet: { stop(): Promise<void> } | undefined;

const stamp = () => new Date().toISOString().replace(/\.\d+Z/, "Z");

async function makeNode(name: string, labels: Record<string, string>): Promise<void> {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: stamp(),
          lastTransitionTime: stamp(),
        },
      ],
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
    },
  };
  await cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
  const res = await cluster.request("PUT", `/api/v1/nodes/${name}/status`, JSON.stringify(node), {
    "Content-Type": "application/json",
  });
  assert.equal(res.status, 200, res.body);
}

/** Plays the kubelet for app=agent pods until stopped: runs bound pods, removes terminating ones. */
function startKubelet(): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await cluster.request(
        "GET",
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dagent",
      );
      for (const p of JSON.parse(res.body).items ?? []) {
        const path = `/api/v1/namespaces/default/pods/${p.metadata.name}`;
        if (p.metadata.deletionTimestamp) {
          await cluster.request("DELETE", `${path}?gracePeriodSeconds=0`);
        } else if (p.spec.nodeName && p.status?.phase !== "Running") {
          const status = {
            phase: "Running",
            conditions: [{ type: "Ready", status: "True", lastTransitionTime: stamp() }],
          };
          await cluster.request("PATCH", `${path}/status`, JSON.stringify({ status }), {
            "Content-Type": "application/merge-patch+json",
          });
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

before(async () => {
  cluster = await startCluster({ args: ["--disable-controller-manager"] });
  manager = spawn(
    process.execPath,
    [
      join(import.meta.dirname, "..", "..", "bin", "k8ts"),
      "controller-manager",
      "--kubeconfig",
      cluster.kubeconfig,
      "--leader-elect=false",
      "--secure-port=0",
      "--node-monitor-grace-period",
      "10m",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  manager.stdout?.on("data", (d: Buffer) => (managerLog += d));
  manager.stderr?.on("data", (d: Buffer) => (managerLog += d));
  await makeNode("n1", { disk: "ssd" });
  await makeNode("n2", { disk: "ssd" });
  await makeNode("n3", { disk: "hdd" });
});

after(async () => {
  await kubelet?.stop();
  await stopChild(manager);
  await cluster?.stop();
});

const context = () => managerLog.slice(-3000);
const json = async (args: string[]) => JSON.parse(await cluster.kubectlOk([...args, "-o", "json"]));
const agentPods = async () => (await json(["get", "pods", "-l", "app=agent"])).items;

const daemonSet = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent" },
  spec: {
    selector: { matchLabels: { app: "agent" } },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: "agent" } },
      spec: { nodeSelector: { disk: "ssd" }, containers: [{ name: "c", image: "busybox:1.35" }] },
    },
  },
};

test("one pod per eligible node, bound by the scheduler through a metadata.name affinity", async () => {
  kubelet = startKubelet();
  await cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(daemonSet) });
  const pods = await eventually(
    "two bound daemon pods",
    async () => {
      const items = await agentPods();
      return items.length === 2 &&
        items.every((p: { spec: { nodeName?: string } }) => p.spec.nodeName)
        ? items
        : undefined;
    },
    { context },
  );
  const nodes = pods.map((p: { spec: { nodeName: string } }) => p.spec.nodeName).sort();
  assert.deepEqual(nodes, ["n1", "n2"]);
  for (const p of pods) {
    assert.deepEqual(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, {
      nodeSelectorTerms: [
        { matchFields: [{ key: "metadata.name", operator: "In", values: [p.spec.nodeName] }] },
      ],
    });
    assert.equal(p.metadata.ownerReferences[0].kind, "DaemonSet");
    assert.ok(p.metadata.labels["controller-revision-hash"]);
    const keys = p.spec.tolerations.map(
      (t: { key: string; effect: string }) => `${t.key}:${t.effect}`,
    );
    for (const k of [
      "node.kubernetes.io/unschedulable:NoSchedule",
      "node.kubernetes.io/not-ready:NoExecute",
    ])
      assert.ok(keys.includes(k), keys.join(" "));
  }
  const ds = await eventually(
    "DaemonSet status",
    async () => {
      const d = await json(["get", "ds", "agent"]);
      return d.status?.numberAvailable === 2 ? d : undefined;
    },
    { context },
  );
  assert.deepEqual(
    {
      desired: ds.status.desiredNumberScheduled,
      current: ds.status.currentNumberScheduled,
      ready: ds.status.numberReady,
      updated: ds.status.updatedNumberScheduled,
      misscheduled: ds.status.numberMisscheduled,
      observed: ds.status.observedGeneration,
    },
    {
      desired: 2,
      current: 2,
      ready: 2,
      updated: 2,
      misscheduled: 0,
      observed: ds.metadata.generation,
    },
  );
  const status = await cluster.kubectl(["rollout", "status", "ds/agent", "--timeout=90s"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /daemon set "agent" successfully rolled out/);
  // A node that starts matching gets a pod.
  await cluster.kubectlOk(["label", "node", "n3", "disk=ssd", "--overwrite"]);
  await eventually(
    "a third pod on n3",
    async () => {
      const items = await agentPods();
      return items.some((p: { spec: { nodeName?: string } }) => p.spec.nodeName === "n3")
        ? true
        : undefined;
    },
    { context },
  );
});

test("set image rolls the pods; rollout history and undo work", async () => {
  await cluster.kubectlOk(["set", "image", "ds/agent", "c=busybox:1.36"]);
  const status = await cluster.kubectl(["rollout", "status", "ds/agent", "--timeout=90s"]);
  assert.equal(status.code, 0, `${status.stderr}\n${context()}`);
  let images = (await agentPods()).map(
    (p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0]!.image,
  );
  assert.deepEqual(images, ["busybox:1.36", "busybox:1.36", "busybox:1.36"]);
  const history = await cluster.kubectlOk(["rollout", "history", "ds/agent"]);
  assert.match(history, /REVISION\s+CHANGE-CAUSE\s+1\s+<none>\s+2\s+<none>/);
  await cluster.kubectlOk(["rollout", "undo", "ds/agent", "--to-revision=1"]);
  const back = await cluster.kubectl(["rollout", "status", "ds/agent", "--timeout=90s"]);
  assert.equal(back.code, 0, `${back.stderr}\n${context()}`);
  images = await eventually(
    "pods back on revision 1",
    async () => {
      const items = await agentPods();
      const imgs = items.map(
        (p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0]!.image,
      );
      return imgs.length === 3 && imgs.every((i: string) => i === "busybox:1.35")
        ? imgs
        : undefined;
    },
    { context },
  );
  assert.equal(images.length, 3);
  assert.match(
    await cluster.kubectlOk(["rollout", "history", "ds/agent"]),
    /\s2\s+<none>\s+3\s+<none>/,
  );
});

test("kubectl drain --ignore-daemonsets leaves the daemon pod alone", async () => {
  const res = await cluster.kubectl(["drain", "n1", "--ignore-daemonsets", "--timeout=90s"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr + res.stdout, /ignoring DaemonSet-managed Pods: default\/agent-/);
  assert.match(res.stdout, /node\/n1 drained/);
  const onN1 = (await agentPods()).filter(
    (p: { spec: { nodeName?: string } }) => p.spec.nodeName === "n1",
  );
  assert.equal(onN1.length, 1);
  const ds = await json(["get", "ds", "agent"]);
  assert.equal(ds.status.desiredNumberScheduled, 3);
});

test("OnDelete replaces pods only when they are deleted; maxSurge rolls with new pods first", async () => {
  await cluster.kubectlOk(["uncordon", "n1"]);
  await cluster.kubectlOk([
    "patch",
    "ds/agent",
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } } }),
  ]);
  await cluster.kubectlOk(["set", "image", "ds/agent", "c=busybox:1.37"]);
  const ds = await eventually(
    "new generation observed",
    async () => {
      const d = await json(["get", "ds", "agent"]);
      return d.status.observedGeneration === d.metadata.generation ? d : undefined;
    },
    { context },
  );
  assert.equal(ds.status.updatedNumberScheduled, 0);
  const imageOf = (p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0]!.image;
  const victim = (await agentPods()).find(
    (p: { spec: { nodeName?: string } }) => p.spec.nodeName === "n2",
  );
  await cluster.kubectlOk(["delete", "pod", victim.metadata.name, "--wait=false"]);
  const images = await eventually(
    "n2 replaced with the new template only",
    async () => {
      const items = (await agentPods()).filter(
        (p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp,
      );
      const byNode = Object.fromEntries(
        items.map((p: { spec: { nodeName?: string } }) => [p.spec.nodeName, imageOf(p as never)]),
      );
      return items.length === 3 && byNode.n2 === "busybox:1.37" ? byNode : undefined;
    },
    { context },
  );
  assert.deepEqual(images, { n1: "busybox:1.35", n2: "busybox:1.37", n3: "busybox:1.35" });
  await cluster.kubectlOk([
    "patch",
    "ds/agent",
    "--type=merge",
    "-p",
    JSON.stringify({
      spec: {
        updateStrategy: {
          type: "RollingUpdate",
          rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        },
      },
    }),
  ]);
  const status = await cluster.kubectl(["rollout", "status", "ds/agent", "--timeout=90s"]);
  assert.equal(status.code, 0, `${status.stderr}\n${context()}`);
  const done = await eventually(
    "every pod on the new template",
    async () => {
      const items = (await agentPods()).filter(
        (p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp,
      );
      return items.length === 3 && items.every((p: never) => imageOf(p) === "busybox:1.37")
        ? items
        : undefined;
    },
    { context },
  );
  assert.equal(done.length, 3);
});

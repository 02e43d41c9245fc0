/**
 * StatefulSets through kubectl against `k8ts server` (its controller manager
 * inside): ordered creation with OrderedReady, claims from
 * volumeClaimTemplates, `kubectl scale sts`, a partitioned rolling update,
 * `rollout status|history|undo sts`, Parallel pod management and
 * persistentVolumeClaimRetentionPolicy. No kubelet runs: the test plays its
 * part by writing pod status (pods stay unscheduled, so deletes are immediate).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually as poll, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  await cluster?.stop();
});

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  poll(what, fn, { timeoutMs: 90_000, context: () => cluster.logs().slice(-3000) });

async function json(args: string[]): Promise<any> {
  return JSON.parse(await cluster.kubectlOk([...args, "-o", "json"]));
}

/** Pod names matching selector (not terminating), sorted. */
async function podNames(selector: string): Promise<string[]> {
  const pods = (await json(["get", "pods", "-l", selector])).items;
  return pods
    .filter((p: any) => !p.metadata.deletionTimestamp)
    .map((p: any) => p.metadata.name)
    .sort();
}

/** Plays the kubelet: marks the selected pods that are not yet Running as Running and Ready. */
async function readyPods(selector: string): Promise<void> {
  const pods = (await json(["get", "pods", "-l", selector])).items;
  for (const p of pods) {
    // Re-patched when the Ready condition is gone: the scheduler's
    // PodScheduled=False merge patch (no nodes here) may replace the conditions list.
    const readyCond = (p.status?.conditions ?? []).some((c: any) => c.type === "Ready");
    if (p.metadata.deletionTimestamp || (p.status?.phase === "Running" && readyCond)) continue;
    const at = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z/, "Z");
    const status = {
      phase: "Running",
      podIP: "10.42.0.10",
      startTime: at,
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: at }],
    };
    await cluster.request(
      "PATCH",
      `/api/v1/namespaces/default/pods/${p.metadata.name}/status`,
      JSON.stringify({ status }),
      { "Content-Type": "application/merge-patch+json" },
    );
  }
}

const images = async (selector: string) =>
  Object.fromEntries(
    (await json(["get", "pods", "-l", selector])).items
      .filter((p: any) => !p.metadata.deletionTimestamp)
      .map((p: any) => [p.metadata.name, p.spec.containers[0].image]),
  );

const statefulSet = (name: string, spec: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  clusterIP: None
  selector: {app: ${name}}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: ${name}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: nginx, image: "nginx:1.25"}]
${spec}`;

test("OrderedReady creates one pod at a time with its claim; rollout status completes", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: statefulSet(
      "web",
      `  replicas: 3
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}`,
    ),
  });
  for (let n = 1; n <= 3; n++) {
    const names = await eventually(`web-${n - 1} created`, async () => {
      const names = await podNames("app=web");
      return names.length === n && names;
    });
    // Only after the previous pod became Ready does the next one appear.
    assert.deepEqual(
      names,
      Array.from({ length: n }, (_, i) => `web-${i}`),
    );
    const pod = await json(["get", "pod", `web-${n - 1}`]);
    assert.equal(pod.spec.hostname, `web-${n - 1}`);
    assert.equal(pod.spec.subdomain, "web");
    assert.equal(pod.metadata.labels["apps.kubernetes.io/pod-index"], String(n - 1));
    assert.equal(
      pod.spec.volumes.find((v: any) => v.name === "www").persistentVolumeClaim.claimName,
      `www-web-${n - 1}`,
    );
    const claim = await json(["get", "pvc", `www-web-${n - 1}`]);
    assert.equal(claim.spec.resources.requests.storage, "1Gi");
    assert.equal(claim.metadata.ownerReferences, undefined);
    await readyPods("app=web");
  }
  const status = await cluster.kubectlOk(["rollout", "status", "sts/web", "--timeout=90s"]);
  // kubectl's message for RollingUpdate with the defaulted partition 0, as on Kubernetes.
  assert.match(status, /partitioned roll out complete: 3 new pods have been updated/);
  const table = await cluster.kubectlOk(["get", "sts", "web"]);
  assert.match(table, /^NAME\s+READY\s+AGE\nweb\s+3\/3\s+/);
});

test("kubectl scale sts adds ordinals in order and removes the highest first", async () => {
  await cluster.kubectlOk(["scale", "sts", "web", "--replicas=5"]);
  await eventually("web-3 and web-4", async () => {
    await readyPods("app=web");
    const names = await podNames("app=web");
    return names.length === 5 && names.includes("web-4");
  });
  await cluster.kubectlOk(["scale", "sts", "web", "--replicas=3"]);
  await eventually("scaled to 3", async () => {
    const names = await podNames("app=web");
    return names.join(",") === "web-0,web-1,web-2";
  });
  // Highest ordinal first: the controller deleted web-4 before web-3. Its events are posted
  // after each delete, without waiting: web-3's can come after web-3 is gone.
  const events: string[] = await eventually("both SuccessfulDelete events", async () => {
    const all = await json(["get", "events", "--field-selector", "reason=SuccessfulDelete"]);
    const ours = all.items
      .map((e: any) => e.message)
      .filter((m: string) => / Pod web-[34] /.test(m));
    return ours.length >= 2 && ours;
  });
  assert.deepEqual(
    events.map((m: string) => m.match(/web-\d/)![0]),
    ["web-4", "web-3"],
  );
  // Retain (the default): the claims of removed pods stay.
  await cluster.kubectlOk(["get", "pvc", "www-web-3", "www-web-4"]);
});

test("rolling update honours the partition; rollout history and undo", async () => {
  await cluster.kubectlOk([
    "patch",
    "sts",
    "web",
    "-p",
    '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}',
  ]);
  await cluster.kubectlOk(["set", "image", "sts/web", "nginx=nginx:1.26"]);
  await eventually("web-2 updated", async () => {
    await readyPods("app=web");
    const sts = await json(["get", "sts", "web"]);
    const imgs = await images("app=web");
    return (
      imgs["web-2"] === "nginx:1.26" &&
      sts.status?.updatedReplicas === 1 &&
      sts.status.readyReplicas === 3
    );
  });
  const partial = await images("app=web");
  assert.equal(partial["web-0"], "nginx:1.25");
  assert.equal(partial["web-1"], "nginx:1.25");
  const sts = await json(["get", "sts", "web"]);
  assert.notEqual(sts.status.currentRevision, sts.status.updateRevision);
  const status = await cluster.kubectlOk(["rollout", "status", "sts/web", "--timeout=90s"]);
  assert.match(status, /partitioned roll out complete: 1 new pods have been updated/);

  await cluster.kubectlOk([
    "patch",
    "sts",
    "web",
    "-p",
    '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}',
  ]);
  await eventually("all pods on revision 2", async () => {
    await readyPods("app=web");
    const s = await json(["get", "sts", "web"]);
    const imgs = Object.values(await images("app=web"));
    return (
      imgs.length === 3 &&
      imgs.every((i) => i === "nginx:1.26") &&
      s.status?.currentRevision === s.status.updateRevision &&
      s.status.readyReplicas === 3
    );
  });
  const history = await cluster.kubectlOk(["rollout", "history", "sts/web"]);
  assert.match(
    history,
    /^statefulset\.apps\/web\s*\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
  );
  const rev2 = await cluster.kubectlOk(["rollout", "history", "sts/web", "--revision=2"]);
  assert.match(rev2, /Image:\s+nginx:1\.26/);

  const undo = await cluster.kubectlOk(["rollout", "undo", "sts/web", "--to-revision=1"]);
  assert.match(undo, /statefulset\.apps\/web rolled back/);
  await eventually("rolled back to nginx:1.25", async () => {
    await readyPods("app=web");
    const s = await json(["get", "sts", "web"]);
    const imgs = Object.values(await images("app=web"));
    return (
      imgs.length === 3 &&
      imgs.every((i) => i === "nginx:1.25") &&
      s.status?.readyReplicas === 3 &&
      s.status.currentRevision === s.status.updateRevision
    );
  });
  const after = await cluster.kubectlOk(["rollout", "history", "sts/web"]);
  assert.match(after, /\n2\s+<none>\n3\s+<none>/);
  await cluster.kubectlOk(["rollout", "status", "sts/web", "--timeout=60s"]);
});

test("Parallel creates every pod at once without waiting for readiness", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: statefulSet("par", "  replicas: 3\n  podManagementPolicy: Parallel"),
  });
  const names = await eventually("3 pods", async () => {
    const n = await podNames("app=par");
    return n.length === 3 && n;
  });
  assert.deepEqual(names, ["par-0", "par-1", "par-2"]);
  const phases = (await json(["get", "pods", "-l", "app=par"])).items.map(
    (p: any) => p.status?.phase,
  );
  assert.ok(
    phases.every((p: string) => p === "Pending"),
    phases.join(),
  );
});

test("persistentVolumeClaimRetentionPolicy Delete removes claims on scale-down and deletion", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: statefulSet(
      "db",
      `  replicas: 2
  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}`,
    ),
  });
  await eventually("2 claims", async () => {
    const items = (await json(["get", "pvc", "-l", "app=db"])).items;
    return items.length === 2;
  });
  const claim = await json(["get", "pvc", "data-db-0"]);
  assert.deepEqual(
    claim.metadata.ownerReferences.map((r: any) => [r.kind, r.name, r.controller]),
    [["StatefulSet", "db", true]],
  );
  await cluster.kubectlOk(["scale", "sts", "db", "--replicas=1"]);
  await eventually("data-db-1 deleted with pod db-1", async () => {
    const names = (await json(["get", "pvc", "-l", "app=db"])).items.map(
      (c: any) => c.metadata.name,
    );
    return names.join() === "data-db-0";
  });
  assert.deepEqual(await podNames("app=db"), ["db-0"]);
  await cluster.kubectlOk(["delete", "sts", "db"]);
  await eventually("data-db-0 deleted with the StatefulSet", async () => {
    const items = (await json(["get", "pvc", "-l", "app=db"])).items;
    return items.length === 0;
  });
  // The default Retain keeps web's claims after its StatefulSet goes.
  await cluster.kubectlOk(["delete", "sts", "web", "--wait=true"]);
  await eventually("web pods gone", async () => (await podNames("app=web")).length === 0);
  const kept = (await json(["get", "pvc", "-l", "app=web"])).items.map((c: any) => c.metadata.name);
  assert.deepEqual(kept.sort(), ["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"]);
});

test("OnDelete: a new template reaches a pod only when that pod is deleted; rollout status refuses as upstream", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: statefulSet("od", "  replicas: 2\n  updateStrategy: {type: OnDelete}"),
  });
  await eventually("2 od pods ready", async () => {
    await readyPods("app=od");
    const s = await json(["get", "sts", "od"]);
    return s.status?.readyReplicas === 2;
  });
  // kubectl itself refuses: rollout status only follows RollingUpdate.
  const refused = await cluster.kubectl(["rollout", "status", "sts/od", "--timeout=10s"]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /rollout status is only available for RollingUpdate strategy type/);
  await cluster.kubectlOk(["set", "image", "sts/od", "nginx=nginx:1.26"]);
  const pending = await eventually("the new revision observed", async () => {
    const s = await json(["get", "sts", "od"]);
    return (
      s.status?.observedGeneration === s.metadata.generation &&
      s.status.updateRevision !== s.status.currentRevision &&
      s
    );
  });
  assert.equal(pending.status.updatedReplicas, 0);
  assert.equal(pending.status.currentReplicas, 2);
  // Upstream's StatefulSet controller sets no status conditions.
  assert.equal(pending.status.conditions, undefined);
  assert.deepEqual(await images("app=od"), { "od-0": "nginx:1.25", "od-1": "nginx:1.25" });
  const oldUid = (await json(["get", "pod", "od-0"])).metadata.uid;
  await cluster.kubectlOk(["delete", "pod", "od-1"]);
  await eventually("od-1 re-created at the new revision", async () => {
    await readyPods("app=od");
    const imgs = await images("app=od");
    const s = await json(["get", "sts", "od"]);
    return imgs["od-1"] === "nginx:1.26" && s.status?.updatedReplicas === 1;
  });
  const half = await json(["get", "sts", "od"]);
  assert.notEqual(half.status.currentRevision, half.status.updateRevision);
  const od0 = await json(["get", "pod", "od-0"]);
  assert.equal(od0.metadata.uid, oldUid, "od-0 was left alone");
  assert.equal(od0.spec.containers[0].image, "nginx:1.25");
  await cluster.kubectlOk(["delete", "pod", "od-0"]);
  await eventually("every pod updated; currentRevision follows", async () => {
    await readyPods("app=od");
    const s = await json(["get", "sts", "od"]);
    const imgs = Object.values(await images("app=od"));
    return (
      imgs.length === 2 &&
      imgs.every((i) => i === "nginx:1.26") &&
      s.status?.updatedReplicas === 2 &&
      s.status.currentRevision === s.status.updateRevision
    );
  });
  await cluster.kubectlOk(["delete", "sts", "od"]);
});

test("a pod deleted below a RollingUpdate partition comes back at the current revision", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: statefulSet(
      "part",
      "  replicas: 2\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}",
    ),
  });
  await eventually("2 part pods ready", async () => {
    await readyPods("app=part");
    return (await json(["get", "sts", "part"])).status?.readyReplicas === 2;
  });
  await cluster.kubectlOk(["set", "image", "sts/part", "nginx=nginx:1.26"]);
  await eventually("part-1 updated", async () => {
    await readyPods("app=part");
    return (await images("app=part"))["part-1"] === "nginx:1.26";
  });
  await cluster.kubectlOk(["delete", "pod", "part-0"]);
  const back = await eventually("part-0 re-created", async () => {
    const pods = (await json(["get", "pods", "-l", "app=part"])).items.filter(
      (p: any) => p.metadata.name === "part-0" && !p.metadata.deletionTimestamp,
    );
    return pods[0];
  });
  assert.equal(back.spec.containers[0].image, "nginx:1.25");
  const s = await json(["get", "sts", "part"]);
  assert.equal(back.metadata.labels["controller-revision-hash"], s.status.currentRevision.slice(5));
  await cluster.kubectlOk(["delete", "sts", "part"]);
});

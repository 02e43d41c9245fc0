/**
 * Volumes out of the box, as on k3s: one `k8ts server` with its own node and
 * containerd (inside a network namespace, pod CIDR 10.42.230.0/24) has the
 * default StorageClass local-path; a plain claim without a class gets it,
 * waits for its first consumer, and is provisioned on the pod's node when the
 * pod is scheduled (and writable by a non-root container); a StatefulSet's
 * volumeClaimTemplates get one volume per pod, and a deleted pod's
 * replacement sees what the first one wrote;
 * deleting a claim removes its volume and directory; a pod whose Immediate
 * claim is unbound is unschedulable (upstream's message) until a hand-made
 * hostPath volume binds it, as in the course notes. Everything is removed
 * at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { eventually } from "./harness.ts";
import { useNetnsServer } from "./netns-server.ts";

const cluster = useNetnsServer({ tag: "vol", podCidr: "10.42.230.0/24" });
const { kubectlOk } = cluster;
const storageDir = () => join(cluster.dataDir, "storage");

const until = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  eventually(what, fn, { timeoutMs: 120_000, context: cluster.log });

async function json(args: string[]): Promise<any> {
  return JSON.parse(await kubectlOk([...args, "-o", "json"]));
}

async function podPhase(name: string): Promise<string | undefined> {
  const r = await cluster.kubectl(["get", "pod", name, "-o", "jsonpath={.status.phase}"]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The host directory of a claim's volume, once the claim is Bound. */
async function claimDir(claim: string): Promise<string> {
  const c = await until(`claim ${claim} Bound`, async () => {
    const got = await json(["get", "pvc", claim]);
    return got.status?.phase === "Bound" ? got : undefined;
  });
  const pv = await json(["get", "pv", c.spec.volumeName]);
  assert.equal(pv.spec.hostPath.type, "DirectoryOrCreate");
  assert.equal(
    pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0],
    cluster.nodeName,
  );
  assert.equal(pv.metadata.annotations["pv.kubernetes.io/provisioned-by"], "rancher.io/local-path");
  return pv.spec.hostPath.path;
}

test("the default StorageClass local-path is listed as k3s lists it", async () => {
  const row = await until("local-path class", async () => {
    const r = await cluster.kubectl(["get", "storageclass", "--no-headers"]);
    return /local-path/.test(r.stdout) ? r.stdout.trim().split(/\s+/) : undefined;
  });
  assert.deepEqual(row.slice(0, 6), [
    "local-path",
    "(default)",
    "rancher.io/local-path",
    "Delete",
    "WaitForFirstConsumer",
    "false",
  ]);
});

test("a claim without a class waits for its first consumer, then is provisioned on the pod's node", async () => {
  await kubectlOk(
    ["apply", "-f", "-"],
    [
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata: {name: plain}",
      "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}",
      "",
    ].join("\n"),
  );
  const claim = await json(["get", "pvc", "plain"]);
  assert.equal(claim.spec.storageClassName, "local-path");
  await until("WaitForFirstConsumer event", async () => {
    const out = await kubectlOk(["describe", "pvc", "plain"]);
    return /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(
      out,
    );
  });
  assert.equal((await json(["get", "pvc", "plain"])).status.phase, "Pending");
  await kubectlOk(
    ["apply", "-f", "-"],
    [
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: writer}",
      "spec:",
      "  restartPolicy: Never",
      "  terminationGracePeriodSeconds: 1",
      // Not root: the volume's directory is writable by any user, as local-path's.
      "  securityContext: {runAsUser: 1000}",
      "  containers:",
      "  - {name: w, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'echo hello > /data/out'], volumeMounts: [{name: d, mountPath: /data}]}",
      "  volumes: [{name: d, persistentVolumeClaim: {claimName: plain}}]",
      "",
    ].join("\n"),
  );
  const dir = await claimDir("plain");
  assert.ok(dir.startsWith(storageDir() + "/"), dir);
  await until("writer Succeeded", async () => (await podPhase("writer")) === "Succeeded");
  assert.equal(readFileSync(join(dir, "out"), "utf8"), "hello\n");
  assert.equal(statSync(join(dir, "out")).uid, 1000);
  const row = (await kubectlOk(["get", "pvc", "plain", "--no-headers"])).trim().split(/\s+/);
  assert.deepEqual([row[1], row[3], row[4], row[5]], ["Bound", "64Mi", "RWO", "local-path"]);
  // The claim goes (after its pod): the volume and its directory go too (reclaimPolicy Delete).
  const pvName = row[2];
  await kubectlOk(["delete", "pod", "writer", "--wait=true", "--timeout=60s"]);
  await kubectlOk(["delete", "pvc", "plain", "--wait=true", "--timeout=60s"]);
  await until("volume deleted", async () => {
    const r = await cluster.kubectl(["get", "pv", pvName]);
    return r.code !== 0 && /NotFound/.test(r.stderr);
  });
  assert.equal(existsSync(dir), false, `${dir} removed`);
});

test("a StatefulSet's pods each get a volume, and a replaced pod sees what its predecessor wrote", async () => {
  await kubectlOk(
    ["apply", "-f", "-"],
    [
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: web}",
      "spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}",
      "---",
      "apiVersion: apps/v1",
      "kind: StatefulSet",
      "metadata: {name: web}",
      "spec:",
      "  serviceName: web",
      "  replicas: 2",
      "  selector: {matchLabels: {app: web}}",
      "  template:",
      "    metadata: {labels: {app: web}}",
      "    spec:",
      "      terminationGracePeriodSeconds: 1",
      "      containers:",
      "      - name: w",
      "        image: busybox",
      "        imagePullPolicy: IfNotPresent",
      "        command: [sh, -c, 'echo $(hostname) started >> /data/log; exec sleep 3600']",
      "        volumeMounts: [{name: data, mountPath: /data}]",
      "  volumeClaimTemplates:",
      "  - metadata: {name: data}",
      "    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 32Mi}}}",
      "",
    ].join("\n"),
  );
  const dirs: string[] = [];
  for (const n of [0, 1]) {
    dirs.push(await claimDir(`data-web-${n}`));
    await until(`web-${n} Running`, async () => (await podPhase(`web-${n}`)) === "Running");
  }
  assert.notEqual(dirs[0], dirs[1]);
  for (const n of [0, 1])
    await until(
      `web-${n} wrote its log`,
      async () =>
        existsSync(join(dirs[n]!, "log")) &&
        readFileSync(join(dirs[n]!, "log"), "utf8") === `web-${n} started\n`,
    );
  const uid = (await json(["get", "pod", "web-0"])).metadata.uid;
  await kubectlOk(["delete", "pod", "web-0", "--wait=true", "--timeout=60s"]);
  await until("web-0 replaced and Running", async () => {
    const p = await json(["get", "pod", "web-0"]).catch(() => undefined);
    return p && p.metadata.uid !== uid && p.status?.phase === "Running";
  });
  // The same claim and volume: the new pod appended to the first one's file.
  assert.equal(await claimDir("data-web-0"), dirs[0]);
  const log = await until("the replacement's line", async () => {
    const text = readFileSync(join(dirs[0]!, "log"), "utf8");
    return text.split("\n").length === 3 ? text : undefined;
  });
  assert.equal(log, "web-0 started\nweb-0 started\n");
  const seen = await kubectlOk(["exec", "web-0", "--", "cat", "/data/log"]);
  assert.equal(seen, "web-0 started\nweb-0 started\n");
  await kubectlOk(["delete", "sts", "web", "--wait=true", "--timeout=60s"]);
  await until("web pods gone", async () => {
    const items = (await json(["get", "pods", "-l", "app=web"])).items;
    return items.length === 0;
  });
  // Claims outlive their StatefulSet (Retain policy of the set); deleting them frees the volumes.
  await kubectlOk(["delete", "pvc", "data-web-0", "data-web-1", "--wait=true", "--timeout=60s"]);
  await until(
    "volumes and directories removed",
    async () => dirs.every((d) => !existsSync(d)) && (await json(["get", "pv"])).items.length === 0,
  );
});

test("a pod whose Immediate claim is unbound is unschedulable until a hand-made volume binds it", async () => {
  const hostDir = join(cluster.dataDir, "manual-pv");
  await kubectlOk(
    ["apply", "-f", "-"],
    [
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata: {name: manual}",
      "spec: {storageClassName: manual, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}",
      "---",
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: manual-user}",
      "spec:",
      "  terminationGracePeriodSeconds: 1",
      "  containers:",
      "  - {name: w, image: busybox, imagePullPolicy: IfNotPresent, command: [sh, -c, 'echo static > /data/out; exec sleep 3600'], volumeMounts: [{name: d, mountPath: /data}]}",
      "  volumes: [{name: d, persistentVolumeClaim: {claimName: manual}}]",
      "",
    ].join("\n"),
  );
  await until("FailedScheduling with upstream's message", async () => {
    const out = await kubectlOk(["describe", "pod", "manual-user"]);
    return /FailedScheduling.*0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims/.test(
      out.replace(/\s+/g, " "),
    );
  });
  // The course's static recipe: a hostPath volume of the claim's class.
  await kubectlOk(
    ["apply", "-f", "-"],
    [
      "apiVersion: v1",
      "kind: PersistentVolume",
      "metadata: {name: manual-pv}",
      `spec: {storageClassName: manual, capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], hostPath: {path: ${hostDir}, type: DirectoryOrCreate}}`,
      "",
    ].join("\n"),
  );
  await until("manual-user Running", async () => (await podPhase("manual-user")) === "Running");
  const row = (await kubectlOk(["get", "pvc", "manual", "--no-headers"])).trim().split(/\s+/);
  assert.deepEqual(row.slice(1, 4), ["Bound", "manual-pv", "2Gi"]);
  await until("the pod's file", async () => existsSync(join(hostDir, "out")));
  assert.equal(readFileSync(join(hostDir, "out"), "utf8"), "static\n");
  await kubectlOk(["delete", "pod", "manual-user", "--wait=true", "--timeout=60s"]);
  await kubectlOk(["delete", "pvc", "manual", "--wait=true", "--timeout=60s"]);
  // Retain (a hand-made volume's default): Released, its data kept.
  await until("manual-pv Released", async () => {
    const pv = await json(["get", "pv", "manual-pv"]);
    return pv.status?.phase === "Released";
  });
  assert.equal(existsSync(join(hostDir, "out")), true);
  await kubectlOk(["delete", "pv", "manual-pv", "--wait=true", "--timeout=60s"]);
});

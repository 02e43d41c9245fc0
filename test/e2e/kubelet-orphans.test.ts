/**
 * Pods deleted from the API while the kubelet was down, on real
 * containerd/runc/CNI (pod CIDR 10.42.208.0/24): containerd runs on its
 * own, the kubelet is stopped with two pods running, one pod is
 * force-deleted, and the kubelet started again kills that pod's
 * container, removes its sandbox (and so its network namespace), its
 * volumes, log directory and cgroup, and adopts the other pod without
 * restarting it (upstream HandlePodCleanups). Likewise a static pod whose
 * manifest was removed while the kubelet was down: its container is killed
 * and its mirror pod deleted. Everything is removed at the end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { startKubeletNode, type KubeletNode } from "./kubelet-node.ts";
import { labelPodUID } from "../../src/kubelet/pod/runtime-config.ts";

let node: KubeletNode;
const manifests = mkdtempSync(join(tmpdir(), "k8ts-orph-manifests-"));

before(async () => {
  node = await startKubeletNode({
    prefix: "orph",
    podCIDR: "10.42.208.0/24",
    externalRuntime: true,
    waitForServiceAccount: true,
    kubelet: { containerGCPeriodMs: 500, podManifestPath: manifests },
  });
});

after(async () => {
  await node?.stop();
  rmSync(manifests, { recursive: true, force: true });
});

/** The network namespaces containerd holds (under its state dir). */
function networkNamespaces(): string[] {
  const find = (dir: string, depth: number): string | undefined => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return undefined;
    }
    if (entries.includes("netns")) return join(dir, "netns");
    if (depth === 0) return undefined;
    for (const e of entries) {
      const found = find(join(dir, e), depth - 1);
      if (found) return found;
    }
    return undefined;
  };
  const dir = find(join(node.dataDir, "containerd", "state"), 2);
  return dir ? readdirSync(dir).sort() : [];
}

const sandboxesOf = (uid: string) =>
  node.runtime.listPodSandbox({ labelSelector: { [labelPodUID]: uid } });

test("a pod deleted while the kubelet was down is killed and cleaned up when it starts", async () => {
  const { cluster } = node;
  for (const name of ["gone", "kept"])
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: node.podManifest(name, "sleep 3600", {
        restartPolicy: "Always",
        spec: { terminationGracePeriodSeconds: 0, volumes: [{ name: "scratch", emptyDir: {} }] },
        container: { volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] },
      }),
    });
  const gone: Pod = await node.podInPhase("gone", "Running");
  const kept: Pod = await node.podInPhase("kept", "Running");
  const goneUID = gone.metadata!.uid!;
  const keptUID = kept.metadata!.uid!;
  const keptID = kept.status!.containerStatuses![0].containerID;
  assert.equal(networkNamespaces().length, 2);
  const podDir = join(node.dataDir, "pods", goneUID);
  const logDir = join(node.kubelet.logsDir, `default_gone_${goneUID}`);
  const cgroup = join("/sys/fs/cgroup/memory", node.cgroupRoot, "besteffort", `pod${goneUID}`);
  assert.ok(existsSync(join(podDir, "volumes")), "gone's volumes are set up");
  assert.ok(existsSync(logDir));

  await node.stopKubelet();
  await cluster.kubectlOk(["delete", "pod", "gone", "--force", "--grace-period=0"]);
  // Nothing stopped it: the kubelet is down and containerd runs on.
  assert.deepEqual(await node.runtimeContainers(goneUID), ["0:running"]);

  await node.restartKubelet();
  await node.until("gone's containers and sandbox removed", async () => {
    const left = [...(await node.runtimeContainers(goneUID)), ...(await sandboxesOf(goneUID))];
    return left.length === 0;
  });
  await node.until(
    "gone's volumes, logs and cgroup removed",
    async () => !existsSync(podDir) && !existsSync(logDir) && !existsSync(cgroup),
  );
  assert.equal(networkNamespaces().length, 1, "gone's network namespace is gone");
  assert.match(node.logs(), /killing orphaned pod.*default\/gone/);

  // The pod still in the API was adopted as it was: same container, no restart.
  assert.deepEqual(await node.runtimeContainers(keptUID), ["0:running"]);
  const adopted = await node.until("kept reported Running by the new kubelet", async () => {
    const p = await node.getPod("kept");
    const cs = p.status?.containerStatuses?.[0];
    return cs?.state?.running && cs.ready ? p : undefined;
  });
  const cs = adopted.status!.containerStatuses![0];
  assert.equal(cs.containerID, keptID);
  assert.equal(cs.restartCount, 0);
  assert.ok(existsSync(join(node.dataDir, "pods", keptUID)));
  await cluster.kubectlOk(["delete", "pod", "kept", "--wait=true", "--timeout=60s"]);
});

test("a static pod whose manifest went while the kubelet was down is killed, its mirror deleted", async () => {
  const file = join(manifests, "static-web.json");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "static-web", namespace: "default" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }],
      },
    }),
  );
  const name = `static-web-${node.nodeName}`;
  await node.podInPhase(name, "Running");
  const uid = (await node.kubelet.runtime.listPodSandbox()).find((s) => s.metadata.name === name)
    ?.labels[labelPodUID];
  assert.ok(uid, "the static pod's sandbox");
  await node.stopKubelet();
  rmSync(file);
  assert.deepEqual(await node.runtimeContainers(uid), ["0:running"]);
  await node.restartKubelet();
  await node.until("the static pod's containers and sandbox removed", async () => {
    const left = [...(await node.runtimeContainers(uid)), ...(await sandboxesOf(uid))];
    return left.length === 0;
  });
  await node.until("its mirror pod deleted", async () => {
    const r = await node.cluster.kubectl(["get", "pod", name, "-o", "name"]);
    return r.code !== 0 && /NotFound/.test(r.stderr);
  });
  assert.match(node.logs(), /deleting orphaned mirror pod/);
});

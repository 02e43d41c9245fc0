/**
 * The kubelet's garbage collection on real containerd/runc/CNI (pod CIDR
 * 10.42.206.0/24): dead containers beyond the newest per pod container are
 * removed with their log files while `kubectl logs --previous` keeps
 * working; under disk pressure a terminated pod's dead containers go first
 * (DeleteAllUnusedContainers), which frees the image only they used for
 * image GC, and no pod is evicted; the kubelet's /configz, read through
 * the API server's nodes/proxy, shows the eviction and image GC settings.
 * Everything is removed at the end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { TestCluster } from "./harness.ts";
import { nodefsStats, startKubeletNode, type KubeletNode } from "./kubelet-node.ts";
import { NGINX_STANDIN_IMAGE } from "../../src/kubelet/images/builtin-images.ts";

let node: KubeletNode;
let cluster: TestCluster;
/** Injected nodefs shortage, lasting while the nginx stand-in image is present. */
let diskShortUntilImageGone = false;

before(async () => {
  node = await startKubeletNode({
    prefix: "gc",
    podCIDR: "10.42.206.0/24",
    clientCerts: true,
    kubelet: {
      crashLoopBackOff: { initialMs: 200, maxMs: 400 },
      containerGCPeriodMs: 300,
      evictionHard: "nodefs.available<10%",
      imageGC: { minAgeMs: 0, highThresholdPercent: 90 },
      evictionMonitorMs: 500,
      evictionPressureTransitionMs: 2000,
      leaseRenewMs: 1000,
      // Every pass under pressure posts an EvictionThresholdMet event about the Node, and the
      // recorder drops those past client-go's 25 per object: a loaded machine's slower image
      // removal means more passes under pressure, and the disk test waits for one such event.
      eventSpamBurst: 10_000,
      evictionStats: async () => ({
        nodefs: await nodefsStats(
          node.runtime,
          diskShortUntilImageGone ? NGINX_STANDIN_IMAGE : undefined,
        ),
        pods: new Map(),
      }),
    },
    waitForServiceAccount: true,
  });
  cluster = node.cluster;
});

after(async () => {
  await node?.stop();
});

/** A busybox pod with an emptyDir at /state, deleted at once (grace 0). */
const pod = (name: string, script: string, o: { image?: string; policy?: string } = {}) =>
  node.podManifest(name, script, {
    image: o.image,
    restartPolicy: o.policy ?? "Always",
    spec: { terminationGracePeriodSeconds: 0, volumes: [{ name: "state", emptyDir: {} }] },
    container: { volumeMounts: [{ name: "state", mountPath: "/state" }] },
  });

const runtimeContainers = (p: Pod) => node.runtimeContainers(p.metadata!.uid!);

test("dead containers beyond the newest go with their logs; logs --previous still works", async () => {
  // Fails three times, then keeps running (attempts 0-2 exit 1, attempt 3 sleeps).
  const script =
    "n=$(cat /state/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /state/n; " +
    'echo "attempt-$n"; [ $n -ge 4 ] && exec sleep 3600; exit 1';
  await cluster.kubectlOk(["apply", "-f", "-"], { input: pod("crasher", script) });
  const p = await node.until(
    "crasher running its 4th instance",
    async () => {
      const x = await node.getPod("crasher");
      const cs = x.status?.containerStatuses?.[0];
      return cs?.restartCount === 3 && cs.state?.running ? x : undefined;
    },
    120_000,
  );
  // The newest dead instance (attempt 2) stays; attempts 0 and 1 are removed.
  await node.until("only the newest dead instance left", async () => {
    const list = await runtimeContainers(p);
    return list.join(",") === "2:exited,3:running" ? list : undefined;
  });
  const logDir = join(node.kubelet.logsDir, `default_crasher_${p.metadata!.uid}`, "main");
  assert.deepEqual(readdirSync(logDir).sort(), ["2.log", "3.log"]);
  assert.equal((await cluster.kubectlOk(["logs", "crasher"])).trim(), "attempt-4");
  assert.equal((await cluster.kubectlOk(["logs", "crasher", "--previous"])).trim(), "attempt-3");
  const status = (await node.getPod("crasher")).status!.containerStatuses![0];
  assert.equal(status.lastState?.terminated?.exitCode, 1);
  await cluster.kubectlOk(["delete", "pod", "crasher", "--wait=true", "--timeout=60s"]);
  await node.until("crasher's runtime state and logs gone", async () => {
    const left = await runtimeContainers(p);
    return (
      !left.length && !existsSync(join(node.kubelet.logsDir, `default_crasher_${p.metadata!.uid}`))
    );
  });
});

test("disk pressure: a terminated pod's dead containers go first, then the image only they used", async () => {
  const rt = node.kubelet.runtime;
  assert.ok(await rt.imageStatus(NGINX_STANDIN_IMAGE), "the nginx stand-in is imported");
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("finished", "echo done", { image: NGINX_STANDIN_IMAGE, policy: "Never" }),
  });
  await cluster.kubectlOk(["apply", "-f", "-"], { input: pod("keeper", "sleep 3600") });
  const finished = await node.podInPhase("finished", "Succeeded");
  await node.podInPhase("keeper", "Running");
  // A regular pass keeps a terminated (not deleted) pod's dead container, and so its image.
  await node.kubelet.containerGC.garbageCollect();
  assert.deepEqual(await runtimeContainers(finished), ["0:exited"]);
  diskShortUntilImageGone = true;
  await node.until(
    "nginx stand-in removed",
    async () => !(await rt.imageStatus(NGINX_STANDIN_IMAGE)),
  );
  assert.deepEqual(await runtimeContainers(finished), []);
  const keeper = await node.getPod("keeper");
  assert.equal(keeper.status?.phase, "Running");
  assert.notEqual(keeper.status?.reason, "Evicted");
  // The finished pod keeps its status in the API.
  assert.equal((await node.getPod("finished")).status?.phase, "Succeeded");
  // Events are posted asynchronously: the image may be gone before the event is listed.
  await node.nodeEvent(
    /EvictionThresholdMet\s+node\/\S+\s+Attempting to reclaim ephemeral-storage/,
  );
  diskShortUntilImageGone = false;
  await cluster.kubectlOk(["delete", "pod", "finished", "keeper", "--wait=true", "--timeout=60s"]);
});

test("the kubelet's /configz through nodes/proxy shows its eviction and image GC settings", async () => {
  const raw = await cluster.kubectlOk([
    "get",
    "--raw",
    `/api/v1/nodes/${node.nodeName}/proxy/configz`,
  ]);
  const c = JSON.parse(raw).kubeletconfig;
  assert.equal(c.kind, "KubeletConfiguration");
  assert.deepEqual(c.evictionHard, { "nodefs.available": "10%" });
  assert.equal(c.evictionPressureTransitionPeriod, "2s");
  assert.equal(c.imageGCHighThresholdPercent, 90);
  assert.equal(c.imageGCLowThresholdPercent, 80);
  assert.equal(c.imageMinimumGCAge, "0s");
  assert.equal(c.podCIDR, "10.42.206.0/24");
});

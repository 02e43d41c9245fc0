/**
 * Kubelet features end to end on real containerd/runc/CNI (pod CIDR
 * 10.42.205.0/24): service environment variables and $(VAR) expansion,
 * gRPC probes (a host-network pod probed against a grpc-js health server of
 * this process), bearer tokens to the kubelet (TokenReview, then
 * SubjectAccessReview), container log rotation with `kubectl logs -f`
 * following across rotations, a persistentVolumeClaim bound to a hostPath
 * PersistentVolume, and node-pressure eviction from injected memory stats. Everything is removed at the end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { TestCluster } from "./harness.ts";
import { nodefsStats, startKubeletNode, type KubeletNode } from "./kubelet-node.ts";
import type { NodePressure } from "../../src/kubelet/eviction/eviction-manager.ts";
import {
  BUSYBOX_IMAGE,
  NGINX_STANDIN_IMAGE,
  PAUSE_IMAGE,
} from "../../src/kubelet/images/builtin-images.ts";
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
} from "../../src/kubelet/pod/grpc-probe.ts";

let node: KubeletNode;
let cluster: TestCluster;
/** Injected node memory (eviction); undefined: plenty. */
let memoryAvailable: number | undefined;
let pidAvailable: number | undefined;
/** Injected nodefs shortage, lasting while the unused nginx stand-in image is present. */
let diskShortUntilImageGone = false;
const Mi = 1024 * 1024;
/** How many times the eviction manager has read the injected stats. */
let statsReads = 0;

before(async () => {
  node = await startKubeletNode({
    prefix: "feat",
    podCIDR: "10.42.205.0/24",
    clientCerts: true,
    kubelet: {
      containerLogMaxSize: 64 * 1024,
      containerLogMaxFiles: 3,
      containerLogMonitorMs: 300,
      evictionHard: "memory.available<100Mi,nodefs.available<10%",
      imageGC: { minAgeMs: 0 },
      // Images are collected only by the disk-pressure test's eviction pass; no periodic pass
      // reads the injected stats (pressureEnds counts the eviction manager's reads).
      imageGCPeriodMs: 24 * 3600_000,
      evictionSoft: "pid.available<1000",
      evictionSoftGracePeriod: "pid.available=1s",
      evictionMaxPodGracePeriod: 3,
      evictionMonitorMs: 500,
      // Longer than a pass takes under load (the stats' CRI call, a soft eviction's up to 3 s
      // grace): with 2 s, passes 2.3 s apart let PIDPressure lapse and a pod meant to be
      // rejected was admitted (and then evicted) instead.
      evictionPressureTransitionMs: 5000,
      leaseRenewMs: 1000,
      // Every eviction pass under pressure sends an EvictionThresholdMet event about the Node;
      // past client-go's 25 per object the recorder drops them. Under load the pressure tests
      // last more passes (CI-like load: the disk test's event was dropped after the memory and
      // PID tests had used the 25), and the tests look for one such event each.
      eventSpamBurst: 10_000,
      evictionStats: async () => {
        // The injected values are read after the (slow under load) CRI calls: read before,
        // a pass could report memory a test had already restored, and raise pressure again
        // after the test saw it end (a BestEffort pod created then is rejected at admission).
        const nodefs = await nodefsStats(
          node.runtime,
          diskShortUntilImageGone ? NGINX_STANDIN_IMAGE : undefined,
        );
        statsReads++;
        return {
          memory: { availableBytes: memoryAvailable ?? 8192 * Mi, capacityBytes: 16384 * Mi },
          pid: { available: pidAvailable ?? 30_000, capacity: 32_768 },
          nodefs,
          pods: new Map(),
        };
      },
    },
    waitForServiceAccount: true,
  });
  cluster = node.cluster;
});

after(async () => {
  await node?.stop();
});

/**
 * After a test restored the injected stats: waits until the pressure is over
 * for good, then until the Node says so. Under load the passes can be
 * further apart than the transition period, so the pressure can lapse
 * (the Node reads False) before a pass that read the old stats raises it
 * again, and a pod created in between is rejected (CI, stop 26: the PID
 * test's first pod, "[MemoryPressure]"). Passes run one at a time and this
 * file's image GC never reads the stats on its own, so two reads after the
 * restore mean one whole pass saw the restored stats and every earlier pass
 * is over (a disk pass's second read, after its reclaim, may be the first).
 */
async function pressureEnds(kind: keyof NodePressure, type: string): Promise<void> {
  const reads = statsReads;
  await node.until(
    "two eviction passes on the restored stats",
    async () => statsReads >= reads + 2,
  );
  await node.until(`${type} over in the kubelet`, async () => !node.kubelet.pressure()[kind]);
  await node.until(
    `${type} False`,
    async () => (await node.nodeCondition(type)).status === "False",
  );
}

/** A busybox pod (restartPolicy Never unless `spec` says otherwise); `extra`: container fields. */
const pod = (name: string, script: string, spec: Record<string, unknown> = {}, extra = {}) =>
  node.podManifest(name, script, { spec, container: extra });

async function logsWhenDone(name: string): Promise<string> {
  await node.podInPhase(name, "Succeeded");
  return cluster.kubectlOk(["logs", name]);
}

test("service environment variables and $(VAR) expansion", async () => {
  await cluster.kubectlOk(["create", "service", "clusterip", "my-svc", "--tcp=8080:80"]);
  const ip = (
    await cluster.kubectlOk(["get", "svc", "my-svc", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  const kip = (
    await cluster.kubectlOk(["get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"])
  ).trim();
  assert.match(ip, /^10\.43\./);
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod(
      "env-links",
      "env | sort; echo ARG=$0",
      {},
      {
        command: [
          "sh",
          "-c",
          "env | sort; echo ARG=$0",
          "$(MY_SVC_SERVICE_HOST):$(MY_SVC_SERVICE_PORT)",
        ],
        env: [
          { name: "URL", value: "http://$(MY_SVC_SERVICE_HOST):$(MY_SVC_SERVICE_PORT)/$(NOPE)" },
        ],
      },
    ),
  });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("env-nolinks", "env | sort", { enableServiceLinks: false }),
  });
  const out = await logsWhenDone("env-links");
  for (const want of [
    `MY_SVC_SERVICE_HOST=${ip}`,
    "MY_SVC_SERVICE_PORT=8080",
    "MY_SVC_SERVICE_PORT_8080_80=8080",
    `MY_SVC_PORT=tcp://${ip}:8080`,
    `MY_SVC_PORT_8080_TCP_ADDR=${ip}`,
    "MY_SVC_PORT_8080_TCP_PROTO=tcp",
    `KUBERNETES_SERVICE_HOST=${kip}`,
    `URL=http://${ip}:8080/$(NOPE)`,
    `ARG=${ip}:8080`,
  ])
    assert.ok(out.split("\n").includes(want), `${want} missing in:\n${out}`);
  const none = await logsWhenDone("env-nolinks");
  assert.ok(!none.includes("MY_SVC_"), none);
  assert.ok(none.includes(`KUBERNETES_SERVICE_HOST=${kip}`), none);
});

test("a gRPC readiness probe follows the health server's answer", async () => {
  let serving = 1;
  const server = new grpc.Server();
  server.addService(
    {
      Check: {
        path: "/grpc.health.v1.Health/Check",
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: { service: string }) =>
          encodeHealthCheckRequest(v.service).subarray(5),
        requestDeserialize: (b: Buffer) => ({ service: b.subarray(2).toString() }),
        responseSerialize: (s: number) => Buffer.from([0x08, s]),
        responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
      },
    },
    {
      Check: (
        call: grpc.ServerUnaryCall<{ service: string }, number>,
        cb: grpc.sendUnaryData<number>,
      ) => cb(null, call.request.service === "k8ts" ? serving : 3),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  try {
    // Host network: the pod IP is the node's (127.0.0.1), where this process serves health.
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: pod(
        "grpc-probed",
        "sleep 3600",
        { hostNetwork: true, restartPolicy: "Always" },
        {
          readinessProbe: {
            grpc: { port, service: "k8ts" },
            periodSeconds: 1,
            failureThreshold: 1,
          },
        },
      ),
    });
    const ready = async (want: string) => {
      const p = await node.getPod("grpc-probed");
      return p.status?.conditions?.find((c) => c.type === "Ready")?.status === want ? p : undefined;
    };
    await node.until("Ready by gRPC probe", () => ready("True"), 90_000);
    serving = 2;
    await node.until("not Ready once NOT_SERVING", () => ready("False"), 90_000);
    // Events are posted without waiting: the probe's can come after the Ready condition.
    await node.until("the probe's Unhealthy event", async () => {
      const events = await cluster.kubectlOk([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=grpc-probed",
      ]);
      return /Readiness probe failed: service unhealthy \(responded with "NOT_SERVING"\)/.test(
        events,
      );
    });
    await cluster.kubectlOk(["delete", "pod", "grpc-probed", "--grace-period=0", "--force"]);
  } finally {
    server.forceShutdown();
  }
});

function kubeletGet(path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port: node.kubelet.port,
        path,
        rejectUnauthorized: false,
        headers: { Authorization: `Bearer ${token}` },
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
  });
}

test("bearer tokens to the kubelet: TokenReview, then SubjectAccessReview", async () => {
  await cluster.kubectlOk(["create", "serviceaccount", "scraper"]);
  const token = (await cluster.kubectlOk(["create", "token", "scraper"])).trim();
  assert.equal(await kubeletGet("/pods", "not-a-token"), 401);
  assert.equal(await kubeletGet("/pods", token), 403);
  await cluster.kubectlOk([
    "create",
    "clusterrole",
    "node-reader",
    "--verb=get",
    "--resource=nodes/proxy,nodes/stats",
  ]);
  await cluster.kubectlOk([
    "create",
    "clusterrolebinding",
    "scraper-nodes",
    "--clusterrole=node-reader",
    "--serviceaccount=default:scraper",
  ]);
  // Stats was never asked (no cached denial): allowed at once.
  await node.until(
    "stats allowed",
    async () => (await kubeletGet("/stats/summary", token)) === 200,
  );
  // Denials are cached 30 s, as upstream.
  await node.until("pods allowed", async () => (await kubeletGet("/pods", token)) === 200, 120_000);
});

test("container logs rotate and kubectl logs -f follows across rotations", async () => {
  const n = 6000;
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod(
      "chatty",
      `echo ready; while [ ! -f /tmp/go ]; do sleep 0.2; done; i=0; while [ $i -lt ${n / 100} ]; do seq $((i*100+1)) $((i*100+100)); i=$((i+1)); sleep 0.1; done`,
    ),
  });
  await node.podInPhase("chatty", "Running");
  const follow = cluster.kubectlStream(["logs", "-f", "chatty"]);
  try {
    await follow.waitFor(/^ready$/);
    await cluster.kubectlOk(["exec", "chatty", "--", "touch", "/tmp/go"]);
    await follow.waitFor(new RegExp(`^${n}$`));
  } finally {
    await follow.stop();
  }
  const lines = follow.output().split("\n").filter(Boolean);
  assert.equal(lines[0], "ready");
  const numbers = lines.slice(1).map(Number);
  const gaps = numbers.filter((v, i) => v !== i + 1).slice(0, 3);
  assert.deepEqual(gaps, [], `lines out of sequence (got ${numbers.length} lines)`);
  assert.equal(numbers.length, n);
  // Rotated files beside the current log: at most containerLogMaxFiles (3) in all.
  const p = await node.getPod("chatty");
  const dir = join(node.kubelet.logsDir, `default_chatty_${p.metadata!.uid}`, "main");
  const files = readdirSync(dir).sort();
  assert.ok(
    files.some((f) => /^0\.log\.\d{8}-\d{6}(\.gz)?$/.test(f)),
    `no rotated log: ${files}`,
  );
  assert.ok(files.length <= 3, `too many log files: ${files}`);
});

test("a persistentVolumeClaim bound to a hostPath volume: the pod waits until bound, then writes there", async () => {
  const hostDir = join(node.dataDir, "pv-data");
  const pvName = `pv-${node.nodeName}`;
  const manifest = (o: object) => ({ input: JSON.stringify(o) });
  // The claim names a volume that does not exist yet: it stays Pending.
  await cluster.kubectlOk(
    ["apply", "-f", "-"],
    manifest({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data", namespace: "default" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "",
        volumeName: pvName,
        resources: { requests: { storage: "1Gi" } },
      },
    }),
  );
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod(
      "claimer",
      "echo from-the-pod > /data/out",
      { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] },
      { volumeMounts: [{ name: "data", mountPath: "/data" }] },
    ),
  });
  await node.until("FailedMount for the unbound claim", async () => {
    const events = await cluster.kubectlOk([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=claimer",
    ]);
    return /FailedMount.*PVC default\/data has non-bound phase/.test(events);
  });
  assert.equal((await node.getPod("claimer")).status?.phase, "Pending");
  // The volume appears: the persistentvolume-binder binds both sides and the pod runs.
  await cluster.kubectlOk(
    ["apply", "-f", "-"],
    manifest({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: pvName },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "",
        hostPath: { path: hostDir, type: "DirectoryOrCreate" },
      },
    }),
  );
  await node.podInPhase("claimer", "Succeeded");
  assert.equal(readFileSync(join(hostDir, "out"), "utf8"), "from-the-pod\n");
  await cluster.kubectlOk(["delete", "pod", "claimer", "--wait=true", "--timeout=60s"]);
});

test("memory pressure evicts a pod (Failed, Evicted) and sets MemoryPressure", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("hog", "sleep 3600", { restartPolicy: "Always" }),
  });
  await node.podInPhase("hog", "Running");
  const pressure = () => node.nodeCondition("MemoryPressure");
  memoryAvailable = 50 * Mi;
  const evicted = await node.until("hog evicted", async () => {
    const p = await node.getPod("hog");
    return p.status?.reason === "Evicted" ? p : undefined;
  });
  assert.equal(evicted.status!.phase, "Failed");
  assert.equal(
    evicted.status!.message,
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ",
  );
  assert.equal(
    evicted.status!.conditions!.find((c) => c.type === "DisruptionTarget")?.reason,
    "TerminationByKubelet",
  );
  const under = await node.until("MemoryPressure True", async () => {
    const c = await pressure();
    return c.status === "True" ? c : undefined;
  });
  assert.equal(under.reason, "KubeletHasInsufficientMemory");
  // Events are posted without waiting: the Evicted one can come after the pod's status.
  await node.until("the Evicted event", async () => {
    const events = await cluster.kubectlOk([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=hog",
    ]);
    return /Evicted\s+pod\/hog\s+The node was low on resource: memory/.test(events);
  });
  memoryAvailable = undefined;
  await pressureEnds("memory", "MemoryPressure");
});

test("PID pressure past the soft grace period sets PIDPressure and evicts a pod", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("forker", "trap 'exit 0' TERM; sleep 3600 & wait", { restartPolicy: "Always" }),
  });
  await node.podInPhase("forker", "Running");
  const condition = () => node.nodeCondition("PIDPressure");
  assert.equal((await condition()).reason, "KubeletHasSufficientPID");
  pidAvailable = 500;
  const evicted = await node.until("forker evicted", async () => {
    const p = await node.getPod("forker");
    return p.status?.reason === "Evicted" ? p : undefined;
  });
  assert.equal(evicted.status!.phase, "Failed");
  assert.equal(
    evicted.status!.message,
    "The node was low on resource: pids. Threshold quantity: 1000, available: 500. ",
  );
  const under = await node.until("PIDPressure True", async () => {
    const c = await condition();
    return c.status === "True" ? c : undefined;
  });
  assert.equal(under.reason, "KubeletHasInsufficientPID");
  assert.equal(under.message, "kubelet has insufficient PID available");
  await node.nodeEvent(/EvictionThresholdMet\s+node\/\S+\s+Attempting to reclaim pids/);
  // Under pressure, a new pod is rejected at admission (never run) and can still be deleted.
  await cluster.kubectlOk(["apply", "-f", "-"], { input: pod("latecomer", "sleep 3600") });
  const rejected = await node.podInPhase("latecomer", "Failed");
  assert.equal(rejected.status!.reason, "Evicted");
  assert.equal(
    rejected.status!.message,
    "Pod was rejected: The node had condition: [PIDPressure]. ",
  );
  assert.equal(rejected.status!.containerStatuses, undefined);
  await cluster.kubectlOk(["delete", "pod", "latecomer", "--wait=true", "--timeout=60s"]);
  pidAvailable = undefined;
  await pressureEnds("pid", "PIDPressure");
});

test("disk pressure removes unused images (real CRI RemoveImage) before evicting any pod", async () => {
  const rt = node.kubelet.runtime;
  assert.ok(await rt.imageStatus(NGINX_STANDIN_IMAGE), "the nginx stand-in is imported");
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("keeper", "sleep 3600", { restartPolicy: "Always" }),
  });
  await node.podInPhase("keeper", "Running");
  diskShortUntilImageGone = true;
  await node.until(
    "nginx stand-in removed",
    async () => !(await rt.imageStatus(NGINX_STANDIN_IMAGE)),
  );
  // In use (a running container) or the sandbox image: kept.
  assert.ok(await rt.imageStatus(BUSYBOX_IMAGE));
  assert.ok(await rt.imageStatus(PAUSE_IMAGE));
  // Events are posted asynchronously: the image may be gone before the event is listed.
  await node.nodeEvent(
    /EvictionThresholdMet\s+node\/\S+\s+Attempting to reclaim ephemeral-storage/,
  );
  const keeper = await node.getPod("keeper");
  assert.equal(keeper.status?.phase, "Running");
  assert.notEqual(keeper.status?.reason, "Evicted");
  diskShortUntilImageGone = false;
  await pressureEnds("disk", "DiskPressure");
});

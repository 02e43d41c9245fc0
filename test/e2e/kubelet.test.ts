/**
 * The kubelet end to end: a real `k8ts server --disable-agent`, the kubelet
 * in this process with its own containerd (own root/state/socket), runc, CNI
 * bridge on its own pod CIDR, images built offline and pulls disabled.
 * Pods are bound by setting spec.nodeName; kubectl drives the API.
 * Everything the kubelet created is checked to be gone at the end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { useKubeletNode } from "./kubelet-node.ts";
import { leasesRef, nodesRef, podsRef } from "../../src/client/resources.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { unreachableRoutes } from "../../src/kubelet/network/host-network.ts";

const node = useKubeletNode({
  prefix: "kubelet",
  podCIDR: "10.42.201.0/24",
  logLevel: "debug",
  // Back-off up to 30 s: the CrashLoopBackOff test must see the waiting state, which lasts one
  // back-off; at most 4 s, a loaded kubelet's status writes never showed it (load 30).
  kubelet: { crashLoopBackOff: { initialMs: 1000, maxMs: 30_000 }, leaseRenewMs: 1000 },
});

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) =>
  node.until(what, fn, timeoutMs);

const getPod = (name: string) => node.getPod(name);

function podManifest(
  name: string,
  container: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: node.nodeName,
      containers: [
        { name: "main", image: "busybox", imagePullPolicy: "IfNotPresent", ...container },
      ],
      ...spec,
    },
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

test("unreachable routes for the cluster and service CIDRs exist before pods run", async () => {
  const routes = await unreachableRoutes();
  assert.ok(routes.includes("10.42.0.0/16"), `routes: ${routes}`);
  assert.ok(routes.includes("10.43.0.0/16"), `routes: ${routes}`);
});

test("the node registers Ready and renews its Lease", async () => {
  const ready = await until("node Ready", async () => {
    const n = await node.client.get<{ status?: any; metadata?: any }>(
      nodesRef,
      undefined,
      node.nodeName,
    );
    return n.status?.conditions?.find((c: any) => c.type === "Ready")?.status === "True"
      ? n
      : undefined;
  });
  assert.equal(ready.metadata.labels["kubernetes.io/hostname"], node.nodeName);
  assert.equal(ready.metadata.labels["kubernetes.io/os"], "linux");
  assert.equal(ready.status.nodeInfo.kubeletVersion, "v1.32.0");
  assert.match(ready.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\./);
  assert.ok(Number(ready.status.capacity.cpu) >= 1);
  assert.ok(
    ready.status.images.some((i: any) => i.names.includes("docker.io/library/busybox:latest")),
  );
  const first = await node.client.get<{ spec: any }>(leasesRef, "kube-node-lease", node.nodeName);
  assert.equal(first.spec.holderIdentity, node.nodeName);
  assert.equal(first.spec.leaseDurationSeconds, 40);
  await until("lease renewal", async () => {
    const l = await node.client.get<{ spec: any }>(leasesRef, "kube-node-lease", node.nodeName);
    return l.spec.renewTime !== first.spec.renewTime ? true : undefined;
  });
});

test("a busybox httpd pod runs with a pod IP the host reaches", async () => {
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest("web", {
      command: [
        "sh",
        "-c",
        "mkdir -p /www && echo hello-k8ts > /www/index.html && exec httpd -f -p 8080 -h /www",
      ],
      ports: [{ containerPort: 8080 }],
    }),
  });
  const pod = await until("web Running", async () => {
    const p = await getPod("web");
    return p.status?.phase === "Running" && p.status.podIP ? p : undefined;
  });
  assert.ok(pod.status!.podIP!.startsWith("10.42.201."), pod.status!.podIP);
  const cs = pod.status!.containerStatuses![0];
  assert.match(cs.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.match(cs.imageID, /^sha256:/);
  assert.equal(pod.status!.qosClass, "BestEffort");
  assert.equal(pod.status!.hostIP, "127.0.0.1");
  const res = await until("httpd answers", () => httpGet(`http://${pod.status!.podIP}:8080/`));
  assert.equal(res.status, 200);
  assert.equal(res.body.trim(), "hello-k8ts");
  const wide = await node.cluster.kubectlOk(["get", "pods", "web", "-o", "wide"]);
  assert.match(
    wide,
    new RegExp(
      `web\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${pod.status!.podIP!.replace(/\./g, "\\.")}\\s+${node.nodeName}`,
    ),
  );
  const log = readFileSync(
    join(node.kubelet.logsDir, `default_web_${pod.metadata!.uid}`, "main", "0.log"),
    "utf8",
  );
  assert.equal(typeof log, "string");
});

test("a run-once pod ends Succeeded with reason Completed and exit code 0", async () => {
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest("job", { command: ["sh", "-c", "echo done"] }, { restartPolicy: "Never" }),
  });
  const pod = await until("job Succeeded", async () => {
    const p = await getPod("job");
    return p.status?.phase === "Succeeded" ? p : undefined;
  });
  const t = pod.status!.containerStatuses![0].state!.terminated!;
  assert.equal(t.reason, "Completed");
  assert.equal(t.exitCode, 0);
  assert.equal(pod.status!.conditions!.find((c) => c.type === "Ready")!.reason, "PodCompleted");
  const out = readFileSync(
    join(node.kubelet.logsDir, `default_job_${pod.metadata!.uid}`, "main", "0.log"),
    "utf8",
  );
  assert.match(out, /^\S+Z stdout F done$/m);
});

test("a crashing container goes into CrashLoopBackOff with a growing restart count", async () => {
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest("crash", { command: ["sh", "-c", "exit 3"] }),
  });
  // Each restart is a container start and exit through containerd and runc, and the waiting
  // state shows only between them (see the back-off in useKubeletNode's options).
  const pod = await until(
    "restartCount >= 2 in CrashLoopBackOff",
    async () => {
      const p = await getPod("crash");
      const cs = p.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 2 && cs.state?.waiting?.reason === "CrashLoopBackOff"
        ? p
        : undefined;
    },
    180_000,
  );
  const cs = pod.status!.containerStatuses![0];
  assert.equal(cs.lastState!.terminated!.exitCode, 3);
  assert.equal(cs.lastState!.terminated!.reason, "Error");
  assert.match(
    cs.state!.waiting!.message!,
    /^back-off \d+s restarting failed container=main pod=crash_default/,
  );
  assert.equal(pod.status!.phase, "Running");
  // Events are posted without waiting: the BackOff one can come after the status.
  await until("a BackOff event", async () => {
    const events = await node.cluster.kubectlOk([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=crash",
    ]);
    return /BackOff/.test(events);
  });
});

test("a readiness probe gates Ready", async () => {
  // The probe passes once this test writes the file (a host directory the pod mounts): a
  // container that made it itself after a sleep could turn ready before a loaded machine
  // let the test see it running but not ready.
  const gate = join(node.dataDir, "readiness-gate");
  mkdirSync(gate, { recursive: true });
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest(
      "ready",
      {
        command: ["sh", "-c", "exec sleep 3600"],
        readinessProbe: {
          exec: { command: ["cat", "/gate/ready"] },
          periodSeconds: 1,
          failureThreshold: 1,
        },
        volumeMounts: [{ name: "gate", mountPath: "/gate" }],
      },
      { volumes: [{ name: "gate", hostPath: { path: gate } }] },
    ),
  });
  const notReady = await until("running but not ready", async () => {
    const p = await getPod("ready");
    const cs = p.status?.containerStatuses?.[0];
    return cs?.state?.running && !cs.ready ? p : undefined;
  });
  assert.equal(notReady.status!.conditions!.find((c) => c.type === "Ready")!.status, "False");
  writeFileSync(join(gate, "ready"), "yes\n");
  const ready = await until("ready", async () => {
    const p = await getPod("ready");
    return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? p : undefined;
  });
  assert.equal(ready.status!.containerStatuses![0].ready, true);
});

test("an absent image with pulls disabled reports ErrImageNeverPull", async () => {
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest("noimage", { image: "registry.invalid/k8ts/nope:1.0", command: ["true"] }),
  });
  const pod = await until("ErrImageNeverPull", async () => {
    const p = await getPod("noimage");
    return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImageNeverPull"
      ? p
      : undefined;
  });
  assert.equal(pod.status!.phase, "Pending");
  assert.match(
    pod.status!.containerStatuses![0].state!.waiting!.message!,
    /registry\.invalid\/k8ts\/nope:1\.0/,
  );
});

test("deleting a pod honours its grace period", async () => {
  const cases = [
    {
      name: "graceful",
      script: "trap 'exit 0' TERM; while true; do sleep 1; done",
      grace: 30,
      exitCode: 0,
    },
    {
      name: "stubborn",
      script: "trap '' TERM; while true; do sleep 1; done",
      grace: 2,
      exitCode: 137,
    },
  ];
  for (const c of cases) {
    await node.cluster.kubectlOk(["apply", "-f", "-"], {
      input: podManifest(
        c.name,
        { command: ["sh", "-c", c.script] },
        { terminationGracePeriodSeconds: c.grace },
      ),
    });
    const running = await until(`${c.name} running`, async () => {
      const p = await getPod(c.name);
      return p.status?.phase === "Running" ? p : undefined;
    });
    const abort = new AbortController();
    const seen: Pod[] = [];
    const watching = (async () => {
      for await (const ev of node.client.watch<Pod>(
        podsRef,
        "default",
        {
          fieldSelector: `metadata.name=${c.name}`,
          resourceVersion: running.metadata!.resourceVersion,
        },
        abort.signal,
      )) {
        seen.push(ev.object);
        if (ev.type === "DELETED") return;
      }
    })();
    await node.cluster.kubectlOk(["delete", "pod", c.name, "--wait=false"]);
    await until(`${c.name} deleted`, async () => {
      try {
        await getPod(c.name);
        return undefined;
      } catch {
        return true;
      }
    });
    // The watch ends at DELETED; under load its events can trail the GET's 404 by seconds.
    await Promise.race([watching, new Promise((r) => setTimeout(r, 60_000).unref())]);
    abort.abort();
    const last = seen.filter((p) => p.status?.containerStatuses?.[0]?.state?.terminated).pop();
    assert.ok(last, `${c.name}: no terminated status seen`);
    assert.equal(
      last.status!.containerStatuses![0].state!.terminated!.exitCode,
      c.exitCode,
      c.name,
    );
    assert.ok(last.metadata!.deletionTimestamp, c.name);
  }
});

test("the kubelet survives containerd restarting", async () => {
  const first = node.kubelet.containerd!.pid;
  process.kill(first, "SIGKILL");
  try {
    await until("containerd respawned", async () =>
      node.kubelet.containerd!.pid !== first &&
      (await node.kubelet.runtime.version()).runtimeName === "containerd"
        ? true
        : undefined,
    );
  } catch (err) {
    const cdLog = readFileSync(join(node.dataDir, "containerd", "containerd.log"), "utf8");
    throw new Error(
      `containerd pid ${node.kubelet.containerd!.pid} (was ${first}); its log ends:\n${cdLog.slice(-3000)}\n${String(err)}`,
    );
  }
  const web = await getPod("web");
  const res = await until("httpd still answers", () =>
    httpGet(`http://${web.status!.podIP}:8080/`),
  );
  assert.equal(res.body.trim(), "hello-k8ts");
  await node.cluster.kubectlOk(["apply", "-f", "-"], {
    input: podManifest("after-restart", { command: ["sleep", "3600"] }),
  });
  await until("new pod Running", async () => {
    const p = await getPod("after-restart");
    return p.status?.phase === "Running" ? p : undefined;
  });
});

test("stop() removes containerd, the bridge, mounts and cgroups", async () => {
  const pid = node.kubelet.containerd!.pid;
  await node.stopKubelet();
  assert.throws(() => process.kill(pid, 0));
  assert.ok(!existsSync(`/sys/class/net/${node.bridge}`), "bridge still present");
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .filter((l) => l.includes(node.dataDir));
  assert.deepEqual(mounts, []);
  assert.ok(!existsSync(`/sys/fs/cgroup/memory${node.cgroupRoot}`), "cgroup root still present");
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  assert.ok(!netns.includes(node.dataDir));
});

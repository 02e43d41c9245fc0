/**
 * The controller manager as a real process against a real API server, driven
 * by kubectl: deployments roll out and back, cascading and orphaning
 * deletion, jobs, namespaces, endpoints and disruption budgets. No kubelet
 * runs here, so tests play the kubelet's part by writing pod status.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { onFreePort, startCluster, untilOutput, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
let manager: ChildProcess;
let managerLog = "";
let managerPort = 0;

before(async () => {
  cluster = await startCluster({ args: ["--disable-controller-manager"] });
  // --secure-port 0 turns the endpoint off (as upstream's): a free port, chosen again if taken.
  [manager, managerPort] = await onFreePort(async (port) => {
    managerLog = "";
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "..", "..", "bin", "k8ts"),
        "controller-manager",
        "--kubeconfig",
        cluster.kubeconfig,
        "--leader-elect=false",
        `--secure-port=${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (d: Buffer) => (managerLog += d));
    child.stderr?.on("data", (d: Buffer) => (managerLog += d));
    await untilOutput(child, () => managerLog, /"msg":"serving securely"/);
    return [child, port] as const;
  });
});

after(async () => {
  if (manager && manager.exitCode === null) {
    const exited = new Promise((r) => manager.once("exit", r));
    manager.kill("SIGTERM");
    await exited;
  }
  await cluster?.stop();
});

/** Polls until check returns a value (kubectl is the observer), or fails after ~60 s (or timeoutMs). */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < (opts.timeoutMs ?? 60_000) / 200; i++) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out waiting for ${what}: ${String(last ?? "")}\n${managerLog.slice(-2000)}`,
  );
}

async function json(args: string[]): Promise<any> {
  return JSON.parse(await cluster.kubectlOk([...args, "-o", "json"]));
}

/** Plays the kubelet: marks the selected pods Running and Ready (or another phase). */
async function setPods(selector: string, phase = "Running", ns = "default"): Promise<number> {
  const pods = (await json(["get", "pods", "-n", ns, "-l", selector])).items;
  let n = 0;
  for (const p of pods) {
    // A pod already in the phase is patched again when its Ready condition is
    // missing: the scheduler's PodScheduled=False merge patch (no nodes here)
    // may have replaced the conditions list after ours.
    const readyCond = (p.status?.conditions ?? []).some((c: any) => c.type === "Ready");
    if (p.metadata.deletionTimestamp || (p.status?.phase === phase && readyCond)) continue;
    const ready = phase === "Running" ? "True" : "False";
    const status = {
      phase,
      podIP: `10.42.0.${10 + (n % 200)}`,
      conditions: [
        {
          type: "Ready",
          status: ready,
          lastTransitionTime: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z/, "Z"),
        },
      ],
    };
    await cluster.request(
      "PATCH",
      `/api/v1/namespaces/${ns}/pods/${p.metadata.name}/status`,
      JSON.stringify({ status }),
      { "Content-Type": "application/merge-patch+json" },
    );
    n++;
  }
  return n;
}

test("a deployment creates a ReplicaSet and pods, and scales", async () => {
  await cluster.kubectlOk(["create", "deployment", "web", "--image=nginx:1.25", "--replicas=3"]);
  const rs = await eventually("a ReplicaSet with 3 pods", async () => {
    const list = (await json(["get", "rs", "-l", "app=web"])).items;
    return list.length === 1 && list[0].status?.replicas === 3 && list[0];
  });
  assert.match(rs.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rs.metadata.annotations["deployment.kubernetes.io/revision"], "1");
  assert.equal(rs.metadata.ownerReferences[0].kind, "Deployment");
  const pods = (await json(["get", "pods", "-l", "app=web"])).items;
  assert.equal(pods.length, 3);
  assert.ok(
    pods.every(
      (p: any) =>
        p.metadata.labels["pod-template-hash"] === rs.metadata.labels["pod-template-hash"],
    ),
  );
  await setPods("app=web");
  await eventually("deployment available", async () => {
    const d = await json(["get", "deploy", "web"]);
    return (
      d.status?.availableReplicas === 3 && d.status.observedGeneration === d.metadata.generation
    );
  });
  await cluster.kubectlOk(["scale", "deployment", "web", "--replicas=5"]);
  await eventually(
    "5 pods",
    async () => (await json(["get", "pods", "-l", "app=web"])).items.length === 5,
  );
});

test("set image rolls out a new revision; rollout status, history and undo work", async () => {
  await setPods("app=web");
  await cluster.kubectlOk(["set", "image", "deployment/web", "nginx=nginx:1.26"]);
  // Play the kubelet until the rollout completes.
  const status = cluster.kubectl(["rollout", "status", "deployment/web", "--timeout=180s"]);
  const pump = setInterval(() => void setPods("app=web").catch(() => {}), 300);
  const res = await status;
  clearInterval(pump);
  assert.equal(res.code, 0, res.stderr + managerLog.slice(-1500));
  assert.match(res.stdout, /successfully rolled out/);
  const history = await cluster.kubectlOk(["rollout", "history", "deployment/web"]);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  await cluster.kubectlOk(["rollout", "undo", "deployment/web"]);
  await eventually("template back to nginx:1.25", async () => {
    const d = await json(["get", "deploy", "web"]);
    return d.spec.template.spec.containers[0].image === "nginx:1.25";
  });
  const newest = await eventually("revision 3 on the old ReplicaSet", async () => {
    const list = (await json(["get", "rs", "-l", "app=web"])).items;
    return list.find(
      (r: any) => r.metadata.annotations["deployment.kubernetes.io/revision"] === "3",
    );
  });
  assert.equal(newest.spec.template.spec.containers[0].image, "nginx:1.25");
});

test("scaling mid-rollout spreads the new replicas proportionally (8 old + 5 new → 11 + 7)", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: prop}
spec:
  replicas: 10
  selector: {matchLabels: {app: prop}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}
  template:
    metadata: {labels: {app: prop}}
    spec: {containers: [{name: nginx, image: "nginx:1.25"}]}
`,
  });
  await eventually("10 prop pods running", async () => {
    await setPods("app=prop");
    const d = await json(["get", "deploy", "prop"]);
    return d.status?.availableReplicas === 10;
  });
  await cluster.kubectlOk(["set", "image", "deployment/prop", "nginx=nginx:1.26"]);
  // The new pods never become ready: the rollout stops at 8 old + 5 new.
  const sizes = async () => {
    const list = (await json(["get", "rs", "-l", "app=prop"])).items;
    return list
      .map((r: any) => [r.spec.template.spec.containers[0].image, r.spec.replicas])
      .sort()
      .join();
  };
  await eventually(
    "rollout stuck at 8 + 5",
    async () => (await sizes()) === "nginx:1.25,8,nginx:1.26,5",
  );
  await cluster.kubectlOk(["scale", "deployment", "prop", "--replicas=15"]);
  await eventually("11 + 7", async () => (await sizes()) === "nginx:1.25,11,nginx:1.26,7");
  await cluster.kubectlOk(["delete", "deployment", "prop"]);
});

test("deleting a deployment removes its ReplicaSets and pods (garbage collection)", async () => {
  await cluster.kubectlOk(["delete", "deployment", "web"]);
  await eventually(
    "no web pods",
    async () => (await json(["get", "rs,pods", "-l", "app=web"])).items.length === 0,
  );
});

test("--cascade=orphan keeps the pods and removes their owner references", async () => {
  await cluster.kubectlOk(["create", "deployment", "orph", "--image=busybox", "--replicas=2"]);
  await eventually(
    "2 orph pods",
    async () => (await json(["get", "pods", "-l", "app=orph"])).items.length === 2,
  );
  await cluster.kubectlOk(["delete", "deployment", "orph", "--cascade=orphan"]);
  const rsName = (await json(["get", "rs", "-l", "app=orph"])).items[0].metadata.name;
  await cluster.kubectlOk(["delete", "rs", rsName, "--cascade=orphan"]);
  const pods = await eventually("orphaned pods", async () => {
    const items = (await json(["get", "pods", "-l", "app=orph"])).items;
    return (
      items.length === 2 && items.every((p: any) => !p.metadata.ownerReferences?.length) && items
    );
  });
  assert.equal(pods.length, 2);
});

test("a job runs to completion", async () => {
  await cluster.kubectlOk(["create", "job", "once", "--image=busybox", "--", "echo", "hi"]);
  await eventually(
    "a job pod",
    async () => (await json(["get", "pods", "-l", "job-name=once"])).items.length === 1,
  );
  await setPods("job-name=once", "Succeeded");
  const job = await eventually("job complete", async () => {
    const j = await json(["get", "job", "once"]);
    // Complete follows SuccessCriteriaMet once the pod's tracking finalizer is gone (as upstream).
    return (
      j.status?.succeeded === 1 &&
      j.status.conditions?.some((c: any) => c.type === "Complete" && c.status === "True") &&
      j
    );
  });
  assert.ok(job.status.conditions.some((c: any) => c.type === "Complete" && c.status === "True"));
  const wait = await cluster.kubectl([
    "wait",
    "--for=condition=complete",
    "job/once",
    "--timeout=10s",
  ]);
  assert.equal(wait.code, 0, wait.stderr);
});

test("deleting a namespace deletes what is in it", async () => {
  await cluster.kubectlOk(["create", "namespace", "doomed"]);
  await cluster.kubectlOk(["create", "configmap", "c1", "-n", "doomed"]);
  await cluster.kubectlOk(["create", "deployment", "d1", "-n", "doomed", "--image=busybox"]);
  await eventually(
    "default service account",
    async () => (await cluster.kubectl(["get", "sa", "default", "-n", "doomed"])).code === 0,
  );
  const res = await cluster.kubectl(["delete", "namespace", "doomed", "--timeout=60s"]);
  assert.equal(res.code, 0, res.stderr);
  const get = await cluster.kubectl(["get", "namespace", "doomed"]);
  assert.match(get.stderr, /NotFound/);
});

test("a service gets Endpoints and an EndpointSlice for its ready pods", async () => {
  await cluster.kubectlOk([
    "create",
    "deployment",
    "api",
    "--image=busybox",
    "--replicas=2",
    "--port=8080",
  ]);
  await cluster.kubectlOk(["expose", "deployment", "api", "--port=80", "--target-port=8080"]);
  await eventually(
    "2 api pods",
    async () => (await json(["get", "pods", "-l", "app=api"])).items.length === 2,
  );
  await setPods("app=api");
  const ep = await eventually("endpoints", async () => {
    const e = await json(["get", "endpoints", "api"]);
    return e.subsets?.[0]?.addresses?.length === 2 && e;
  });
  assert.equal(ep.subsets[0].ports[0].port, 8080);
  const slices = (await json(["get", "endpointslices", "-l", "kubernetes.io/service-name=api"]))
    .items;
  assert.equal(slices.length, 1);
  assert.equal(slices[0].endpoints.length, 2);
  assert.ok(slices[0].endpoints.every((e: any) => e.conditions.ready === true));
});

test("a disruption budget blocks an eviction that would break it", async () => {
  await cluster.kubectlOk(["create", "pdb", "api-pdb", "--selector=app=api", "--min-available=2"]);
  const pdb = await eventually("pdb status", async () => {
    const p = await json(["get", "pdb", "api-pdb"]);
    return p.status?.expectedPods === 2 && p;
  });
  assert.equal(pdb.status.disruptionsAllowed, 0);
  const pod = (await json(["get", "pods", "-l", "app=api"])).items[0].metadata.name;
  const res = await cluster.request(
    "POST",
    `/api/v1/namespaces/default/pods/${pod}/eviction`,
    JSON.stringify({
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: pod, namespace: "default" },
    }),
    { "Content-Type": "application/json" },
  );
  assert.equal(res.status, 429, res.body);
  assert.match(JSON.parse(res.body).message, /disruption budget/);
});

test("a silent node goes Unknown and gets unreachable taints; its pods go when it is deleted", async () => {
  // A second node keeps renewing its Lease: were every node silent, the
  // controller would (as upstream) take it for its own outage and taint nobody.
  const steady = await heartbeatingNode("steady");
  const now = new Date().toISOString().replace(/\.\d+Z/, "Z");
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "quiet", labels: { "kubernetes.io/hostname": "quiet" } },
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      capacity: { cpu: "2", memory: "4Gi", pods: "110" },
    },
  };
  await cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
  await cluster.request(
    "PUT",
    "/api/v1/nodes/quiet/status",
    JSON.stringify({ ...node, status: node.status }),
    {
      "Content-Type": "application/json",
    },
  );
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stranded" },
    spec: {
      nodeName: "quiet",
      containers: [{ name: "c", image: "busybox" }],
      tolerations: [
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 1,
        },
      ],
    },
  };
  await cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(pod) });
  const quiet = await eventually("node Unknown with unreachable taints", async () => {
    const n = await json(["get", "node", "quiet"]);
    const ready = n.status.conditions.find((c: any) => c.type === "Ready");
    const keys = (n.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`);
    return (
      ready.status === "Unknown" && keys.includes("node.kubernetes.io/unreachable:NoExecute") && n
    );
  });
  assert.equal(
    quiet.status.conditions.find((c: any) => c.type === "Ready").reason,
    "NodeStatusUnknown",
  );
  // Evicted: marked for deletion; with no kubelet to confirm, it stays Terminating until the node goes.
  await eventually(
    "the intolerant pod evicted",
    async () => (await json(["get", "pod", "stranded"])).metadata.deletionTimestamp,
  );
  await cluster.kubectlOk(["cordon", "quiet"]);
  await eventually("unschedulable taint", async () => {
    const n = await json(["get", "node", "quiet"]);
    return (n.spec.taints ?? []).some(
      (t: any) => t.key === "node.kubernetes.io/unschedulable" && t.effect === "NoSchedule",
    );
  });
  const table = await cluster.kubectlOk(["get", "node", "quiet"]);
  assert.match(table, /quiet\s+NotReady,SchedulingDisabled/);
  // Deleting the node lets the pod garbage collector remove its orphaned pods
  // (after upstream's 40 s quarantine, checked every 20 s).
  await cluster.kubectlOk(["delete", "node", "quiet"]);
  await eventually(
    "orphaned pod removed",
    async () => (await cluster.kubectl(["get", "pod", "stranded"])).code !== 0,
    { timeoutMs: 150_000 },
  );
  const steadyNode = await json(["get", "node", "steady"]);
  assert.equal(
    steadyNode.status.conditions.find((c: any) => c.type === "Ready").status,
    "True",
    "the heartbeating node stayed Ready",
  );
  await steady.stop();
});

/**
 * Plays a kubelet that only heartbeats: a Ready node whose Lease in
 * kube-node-lease is renewed every 5 s until stop() (which deletes both).
 */
async function heartbeatingNode(name: string): Promise<{ stop(): Promise<void> }> {
  const now = () => new Date().toISOString().replace(/Z$/, "000Z");
  const stampNow = new Date().toISOString().replace(/\.\d+Z/, "Z");
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: stampNow,
          lastTransitionTime: stampNow,
        },
      ],
    },
  };
  await cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(node) });
  await cluster.request("PUT", `/api/v1/nodes/${name}/status`, JSON.stringify(node), {
    "Content-Type": "application/json",
  });
  const lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "kube-node-lease" },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now() },
  };
  await cluster.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(lease) });
  const renew = setInterval(() => {
    void cluster
      .request(
        "PATCH",
        `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`,
        JSON.stringify({ spec: { renewTime: now() } }),
        { "Content-Type": "application/merge-patch+json" },
      )
      .catch(() => {});
  }, 5_000);
  renew.unref(); // a failed test must not keep the process alive
  return {
    async stop() {
      clearInterval(renew);
      await cluster.kubectlOk(["delete", "node", name]);
      await cluster.kubectlOk(["-n", "kube-node-lease", "delete", "lease", name]);
    },
  };
}

/** GET on the controller manager's secure port (self-signed certificate). */
async function managerGet(path: string, token?: string): Promise<{ status: number; body: string }> {
  const https = await import("node:https");
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: "127.0.0.1",
          port: managerPort,
          path,
          rejectUnauthorized: false,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      )
      .on("error", reject);
  });
}

test("a claim in use stays Terminating until its pod is gone (StorageObjectInUseProtection + pvc-protection)", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: held}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: free}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: claimer}\nspec:\n  nodeName: node-x\n  containers: [{name: c, image: busybox}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: held}}]\n`,
  });
  const held = await json(["get", "pvc", "held"]);
  // The admission plugin (default-on, as upstream) added the finalizer at create.
  assert.deepEqual(held.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
  // An unused claim is deleted right away (kubectl waits for it).
  await cluster.kubectlOk(["delete", "pvc", "free", "--timeout=60s"]);
  await cluster.kubectlOk(["delete", "pvc", "held", "--wait=false"]);
  const terminating = await eventually("claim Terminating", async () => {
    const out = await cluster.kubectlOk(["get", "pvc", "held", "--no-headers"]);
    return /\bTerminating\b/.test(out) && out;
  });
  assert.match(terminating, /^held\s+Terminating/);
  assert.deepEqual((await json(["get", "pvc", "held"])).metadata.finalizers, [
    "kubernetes.io/pvc-protection",
  ]);
  await cluster.kubectlOk(["delete", "pod", "claimer", "--grace-period=0", "--force"]);
  await eventually("claim gone once its pod is", async () => {
    const out = await cluster.kubectl(["get", "pvc", "held"]);
    return out.code !== 0 && /NotFound/.test(out.stderr);
  });
});

test("the controller manager serves /healthz and per-queue workqueue metrics", async () => {
  const health = await eventually("healthz", async () => {
    const r = await managerGet("/healthz");
    return r.status === 200 && r;
  });
  assert.equal(health.body, "ok");
  // /metrics is authorized through the API server as upstream (delegated
  // authn/authz): anonymous is refused, a system:monitoring account may read.
  const anonymous = await managerGet("/metrics");
  assert.equal(anonymous.status, 403);
  assert.equal(
    JSON.parse(anonymous.body).message,
    'forbidden: User "system:anonymous" cannot get path "/metrics"',
  );
  assert.equal((await managerGet("/metrics", "not-a-token")).status, 401);
  await cluster.kubectlOk(["create", "serviceaccount", "prom"]);
  await cluster.kubectlOk([
    "create",
    "clusterrolebinding",
    "prom-monitoring",
    "--clusterrole=system:monitoring",
    "--serviceaccount=default:prom",
  ]);
  const token = (await cluster.kubectlOk(["create", "token", "prom"])).trim();
  const metrics = await eventually("metrics readable with the token", async () => {
    const r = await managerGet("/metrics", token);
    return r.status === 200 && r.body;
  });
  for (const name of ["deployment", "replicaset", "job", "garbage_collector_attempt_to_delete"]) {
    assert.match(metrics, new RegExp(`^workqueue_depth\\{name="${name}"\\} \\d+$`, "m"));
    const adds = metrics.match(
      new RegExp(`^workqueue_adds_total\\{name="${name}"\\} (\\d+)$`, "m"),
    );
    assert.ok(Number(adds?.[1]) > 0, `${name} queue saw adds`);
  }
  assert.match(metrics, /^workqueue_work_duration_seconds_count\{name="deployment"\} [1-9]\d*$/m);
  assert.match(
    metrics,
    /^workqueue_queue_duration_seconds_bucket\{le="1e-8",name="deployment"\} \d+$/m,
  );
  assert.match(metrics, /^process_cpu_seconds_total \d/m);
  // Authorization comes before routing, as upstream: an unknown path is 403 too.
  assert.equal((await managerGet("/nope", token)).status, 403);
});

/** Runs `k8ts controller-manager --kubeconfig <cluster> ...args` to its exit. */
function controllerManagerExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "..", "..", "bin", "k8ts"),
        "controller-manager",
        "--kubeconfig",
        cluster.kubeconfig,
        ...args,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    p.stderr?.on("data", (d: Buffer) => (stderr += d));
    p.once("exit", (code) => resolve({ code, stderr }));
  });
}

test("--controllers names must be known, as upstream", async () => {
  const out = await controllerManagerExit(["--controllers=*,-bogus"]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /"bogus" is not in the list of known controllers/);
});

test("--kube-api-qps and --kube-api-burst must be numbers", async () => {
  for (const args of [["--kube-api-qps=fast"], ["--kube-api-burst=-1"]]) {
    const out = await controllerManagerExit(args);
    assert.equal(out.code, 1, args.join(" "));
    assert.match(out.stderr, /invalid --kube-api-qps/);
  }
});

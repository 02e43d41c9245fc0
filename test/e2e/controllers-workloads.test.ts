/**
 * The controller manager as a real process against a real API server, driven
 * by kubectl: deployments roll out, scale and roll back, their deletion
 * cascades, jobs complete; its /healthz, workqueue metrics (counting that
 * work) and flag checks. No kubelet runs here: tests write pod status.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  controllerManagerExit,
  kubectlJson,
  setPods,
  useClusterWithManager,
} from "./controller-manager.ts";

const env = useClusterWithManager();

test("a deployment creates a ReplicaSet and pods, and scales", async () => {
  await env.cluster.kubectlOk([
    "create",
    "deployment",
    "web",
    "--image=nginx:1.25",
    "--replicas=3",
  ]);
  const rs = await env.eventually("a ReplicaSet with 3 pods", async () => {
    const list = (await kubectlJson(env.cluster, ["get", "rs", "-l", "app=web"])).items;
    return list.length === 1 && list[0].status?.replicas === 3 && list[0];
  });
  assert.match(rs.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rs.metadata.annotations["deployment.kubernetes.io/revision"], "1");
  assert.equal(rs.metadata.ownerReferences[0].kind, "Deployment");
  const pods = (await kubectlJson(env.cluster, ["get", "pods", "-l", "app=web"])).items;
  assert.equal(pods.length, 3);
  assert.ok(
    pods.every(
      (p: any) =>
        p.metadata.labels["pod-template-hash"] === rs.metadata.labels["pod-template-hash"],
    ),
  );
  await setPods(env.cluster, "app=web");
  await env.eventually("deployment available", async () => {
    const d = await kubectlJson(env.cluster, ["get", "deploy", "web"]);
    return (
      d.status?.availableReplicas === 3 && d.status.observedGeneration === d.metadata.generation
    );
  });
  await env.cluster.kubectlOk(["scale", "deployment", "web", "--replicas=5"]);
  await env.eventually(
    "5 pods",
    async () =>
      (await kubectlJson(env.cluster, ["get", "pods", "-l", "app=web"])).items.length === 5,
  );
});

test("set image rolls out a new revision; rollout status, history and undo work", async () => {
  await setPods(env.cluster, "app=web");
  await env.cluster.kubectlOk(["set", "image", "deployment/web", "nginx=nginx:1.26"]);
  // Play the kubelet until the rollout completes.
  const status = env.cluster.kubectl(["rollout", "status", "deployment/web", "--timeout=180s"]);
  const pump = setInterval(() => void setPods(env.cluster, "app=web").catch(() => {}), 300);
  const res = await status;
  clearInterval(pump);
  assert.equal(res.code, 0, res.stderr + env.manager.log().slice(-1500));
  assert.match(res.stdout, /successfully rolled out/);
  const history = await env.cluster.kubectlOk(["rollout", "history", "deployment/web"]);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  await env.cluster.kubectlOk(["rollout", "undo", "deployment/web"]);
  await env.eventually("template back to nginx:1.25", async () => {
    const d = await kubectlJson(env.cluster, ["get", "deploy", "web"]);
    return d.spec.template.spec.containers[0].image === "nginx:1.25";
  });
  const newest = await env.eventually("revision 3 on the old ReplicaSet", async () => {
    const list = (await kubectlJson(env.cluster, ["get", "rs", "-l", "app=web"])).items;
    return list.find(
      (r: any) => r.metadata.annotations["deployment.kubernetes.io/revision"] === "3",
    );
  });
  assert.equal(newest.spec.template.spec.containers[0].image, "nginx:1.25");
});

test("scaling mid-rollout spreads the new replicas proportionally (8 old + 5 new → 11 + 7)", async () => {
  await env.cluster.kubectlOk(["apply", "-f", "-"], {
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
  await env.eventually("10 prop pods running", async () => {
    await setPods(env.cluster, "app=prop");
    const d = await kubectlJson(env.cluster, ["get", "deploy", "prop"]);
    return d.status?.availableReplicas === 10;
  });
  await env.cluster.kubectlOk(["set", "image", "deployment/prop", "nginx=nginx:1.26"]);
  // The new pods never become ready: the rollout stops at 8 old + 5 new.
  const sizes = async () => {
    const list = (await kubectlJson(env.cluster, ["get", "rs", "-l", "app=prop"])).items;
    return list
      .map((r: any) => [r.spec.template.spec.containers[0].image, r.spec.replicas])
      .sort()
      .join();
  };
  await env.eventually(
    "rollout stuck at 8 + 5",
    async () => (await sizes()) === "nginx:1.25,8,nginx:1.26,5",
  );
  await env.cluster.kubectlOk(["scale", "deployment", "prop", "--replicas=15"]);
  await env.eventually("11 + 7", async () => (await sizes()) === "nginx:1.25,11,nginx:1.26,7");
  await env.cluster.kubectlOk(["delete", "deployment", "prop"]);
});

test("deleting a deployment removes its ReplicaSets and pods (garbage collection)", async () => {
  await env.cluster.kubectlOk(["delete", "deployment", "web"]);
  await env.eventually(
    "no web pods",
    async () =>
      (await kubectlJson(env.cluster, ["get", "rs,pods", "-l", "app=web"])).items.length === 0,
  );
});

test("a job runs to completion", async () => {
  await env.cluster.kubectlOk(["create", "job", "once", "--image=busybox", "--", "echo", "hi"]);
  await env.eventually(
    "a job pod",
    async () =>
      (await kubectlJson(env.cluster, ["get", "pods", "-l", "job-name=once"])).items.length === 1,
  );
  await setPods(env.cluster, "job-name=once", "Succeeded");
  const job = await env.eventually("job complete", async () => {
    const j = await kubectlJson(env.cluster, ["get", "job", "once"]);
    // Complete follows SuccessCriteriaMet once the pod's tracking finalizer is gone (as upstream).
    return (
      j.status?.succeeded === 1 &&
      j.status.conditions?.some((c: any) => c.type === "Complete" && c.status === "True") &&
      j
    );
  });
  assert.ok(job.status.conditions.some((c: any) => c.type === "Complete" && c.status === "True"));
  const wait = await env.cluster.kubectl([
    "wait",
    "--for=condition=complete",
    "job/once",
    "--timeout=60s",
  ]);
  assert.equal(wait.code, 0, wait.stderr);
});

/** GET on the controller manager's secure port (self-signed certificate). */
async function managerGet(path: string, token?: string): Promise<{ status: number; body: string }> {
  const https = await import("node:https");
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: "127.0.0.1",
          port: env.manager.port,
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

test("the controller manager serves /healthz and per-queue workqueue metrics", async () => {
  const health = await env.eventually("healthz", async () => {
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
  await env.cluster.kubectlOk(["create", "serviceaccount", "prom"]);
  await env.cluster.kubectlOk([
    "create",
    "clusterrolebinding",
    "prom-monitoring",
    "--clusterrole=system:monitoring",
    "--serviceaccount=default:prom",
  ]);
  const token = (await env.cluster.kubectlOk(["create", "token", "prom"])).trim();
  const metrics = await env.eventually("metrics readable with the token", async () => {
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

test("--controllers names must be known, as upstream", async () => {
  const out = await controllerManagerExit(env.cluster.kubeconfig, ["--controllers=*,-bogus"]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /"bogus" is not in the list of known controllers/);
});

test("--kube-api-qps and --kube-api-burst must be numbers", async () => {
  for (const args of [["--kube-api-qps=fast"], ["--kube-api-burst=-1"]]) {
    const out = await controllerManagerExit(env.cluster.kubeconfig, args);
    assert.equal(out.code, 1, args.join(" "));
    assert.match(out.stderr, /invalid --kube-api-qps/);
  }
});

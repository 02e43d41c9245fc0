/**
 * The course notes our first users work from (../shared/seed/), command by
 * command in their modern kubectl form, against `k8ts server` with its
 * controller manager and scheduler (no kubelet: pods are scheduled, not run;
 * logs, exec, port-forward and top are covered by the kubelet's e2e tests).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
let work: string;
let renewing: NodeJS.Timeout | undefined;

const replicaSetYaml = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: myapp-replicaset
  labels:
    app: myapp
spec:
  replicas: 3
  selector:
    matchLabels:
      type: front-end
  template:
    metadata:
      name: myapp-pod
      labels:
        app: myapp
        type: front-end
    spec:
      containers:
      - name: nginx-container
        image: nginx
`;

/** The notes' toleration example as written: `key:"app"` without a space is a string, not a map. */
const brokenTolerationYaml = `apiVersion: v1
kind: Pod
metadata:
  name: mypod
spec:
  containers:
  - name: nginx-controller
    image: nginx
  tolerations:
  - key:"app"
    operator:"Equal"
    value:"blue"
    effect:"NoSchedule"
`;

const node = (name: string, labels: Record<string, string>) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    status: {
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: new Date().toISOString(),
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    },
  });

/** The nodes' Leases, renewed now: the test plays the kubelets' heartbeat so nodes stay Ready. */
const leases = (names: string[]) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: names.map((name) => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: "kube-node-lease" },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: 40,
        renewTime: new Date().toISOString().replace("Z", "000Z"),
      },
    })),
  });

const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "");

/**
 * Pods matching selector that are not terminating. With no kubelet, deleted
 * pods that were bound to a node stay Terminating, as upstream.
 */
async function podNames(selector: string): Promise<string[]> {
  const out = await cluster.kubectlOk(["get", "pods", "-l", selector, "-o", "json"]);
  const pods = JSON.parse(out).items as {
    metadata: { name: string; deletionTimestamp?: string };
  }[];
  return pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
}

async function nodeOf(pod: string): Promise<string | undefined> {
  const out = await cluster.kubectlOk(["get", "pod", pod, "-o", "jsonpath={.spec.nodeName}"]);
  return out.trim() || undefined;
}

before(async () => {
  cluster = await startCluster();
  work = await mkdtemp(join(tmpdir(), "k8ts-seed-"));
  await writeFile(join(work, "replicaset-definition.yml"), replicaSetYaml);
  await writeFile(join(work, "pod-toleration.yml"), brokenTolerationYaml);
  for (const [name, size] of [
    ["node01", "large"],
    ["node02", "small"],
  ])
    await cluster.kubectlOk(["create", "-f", "-"], {
      input: node(name, { "kubernetes.io/os": "linux", size }),
    });
  const renew = () =>
    cluster.kubectl(["apply", "-f", "-"], { input: leases(["node01", "node02"]) });
  await renew();
  renewing = setInterval(() => void renew(), 5_000);
});

after(async () => {
  clearInterval(renewing);
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("kubectl run creates a pod (the notes' --generator flag is gone from kubectl)", async () => {
  assert.match(await cluster.kubectlOk(["run", "nginx", "--image=nginx"]), /pod\/nginx created/);
  const image = await cluster.kubectlOk([
    "get",
    "pod",
    "nginx",
    "-o",
    "jsonpath={.spec.containers[0].image}",
  ]);
  assert.equal(image, "nginx");
  await eventually("nginx scheduled", () => nodeOf("nginx"));
});

test("replicaset: create, get, scale -f, replace -f, delete", async () => {
  const file = join(work, "replicaset-definition.yml");
  await cluster.kubectlOk(["create", "-f", file]);
  const table = await cluster.kubectlOk(["get", "replicaset"]);
  assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
  assert.match(table, /myapp-replicaset\s+3\s+/);
  await eventually("3 pods", async () =>
    (await podNames("type=front-end")).length === 3 ? true : undefined,
  );
  assert.match(
    await cluster.kubectlOk(["scale", "--replicas=6", "-f", file]),
    /replicaset.apps\/myapp-replicaset scaled/,
  );
  await eventually("6 pods", async () =>
    (await podNames("type=front-end")).length === 6 ? true : undefined,
  );
  assert.match(await cluster.kubectlOk(["replace", "-f", file]), /replaced/);
  await eventually("back to 3 pods", async () =>
    (await podNames("type=front-end")).length === 3 ? true : undefined,
  );
  await cluster.kubectlOk(["delete", "replicaset", "myapp-replicaset"]);
  await eventually("pods garbage-collected", async () =>
    (await podNames("type=front-end")).length === 0 ? true : undefined,
  );
});

test("taints and tolerations: NoSchedule keeps pods off unless tolerated", async () => {
  await cluster.kubectlOk(["taint", "nodes", "node01", "app=blue:NoSchedule"]);
  await cluster.kubectlOk(["taint", "nodes", "node02", "app=red:NoSchedule"]);
  try {
    await cluster.kubectlOk(["run", "untolerated", "--image=nginx"]);
    const tolerant = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "tolerant" },
      spec: {
        containers: [{ name: "nginx-controller", image: "nginx" }],
        tolerations: [{ key: "app", operator: "Equal", value: "blue", effect: "NoSchedule" }],
      },
    };
    await cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(tolerant) });
    assert.equal(await eventually("tolerant scheduled", () => nodeOf("tolerant")), "node01");
    const message = await eventually("FailedScheduling event", async () => {
      const out = await cluster.kubectlOk([
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=untolerated,reason=FailedScheduling",
        "-o",
        "jsonpath={.items[*].message}",
      ]);
      return out.trim() || undefined;
    });
    assert.match(message, /untolerated taint/);
    assert.equal(await nodeOf("untolerated"), undefined);
  } finally {
    await cluster.kubectlOk(["taint", "nodes", "node01", "app=blue:NoSchedule-"]);
    await cluster.kubectlOk(["taint", "nodes", "node02", "app=red:NoSchedule-"]);
  }
  await cluster.kubectlOk(["delete", "pod", "untolerated", "tolerant", "--wait=false"]);
});

test("the notes' toleration YAML (no space after the colons) gets a clear error and creates nothing", async () => {
  const res = await cluster.kubectl(["create", "-f", join(work, "pod-toleration.yml")]);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /Error from server \(BadRequest\)/);
  assert.match(res.stderr, /cannot unmarshal string into Go struct field .*tolerations/);
  const get = await cluster.kubectl(["get", "pod", "mypod"]);
  assert.match(get.stderr, /NotFound/);
});

test("node selector and node affinity place pods by node labels", async () => {
  await cluster.kubectlOk(["label", "node", "node02", "size=medium", "--overwrite"]);
  const pod = (name: string, spec: Record<string, unknown>) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { containers: [{ name: "c", image: "nginx" }], ...spec },
    });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("selected", { nodeSelector: { size: "large" } }),
  });
  const affinity = (values: string[], operator = "In") => ({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "size", operator, values }] }],
        },
      },
    },
  });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("medium", affinity(["medium"])),
  });
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: pod("not-large", affinity(["large"], "NotIn")),
  });
  assert.equal(await eventually("selected scheduled", () => nodeOf("selected")), "node01");
  assert.equal(await eventually("medium scheduled", () => nodeOf("medium")), "node02");
  assert.equal(await eventually("not-large scheduled", () => nodeOf("not-large")), "node02");
  await cluster.kubectlOk(["delete", "pod", "selected", "medium", "not-large", "--wait=false"]);
});

test("troubleshooting views: get pods -A, get pods -o wide, describe node", async () => {
  const all = await cluster.kubectlOk(["get", "pods", "--all-namespaces"]);
  assert.match(all, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
  assert.match(all, /default\s+nginx\s+0\/1\s+Pending/);
  const wide = await cluster.kubectlOk(["get", "pods", "-o", "wide"]);
  assert.match(wide, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE/);
  const described = await cluster.kubectlOk(["describe", "node", "node01"]);
  assert.match(described, /^Name:\s+node01$/m);
  assert.match(described, /size=large/);
  assert.match(described, /Non-terminated Pods:/);
});

test("drain and uncordon a node for maintenance", async () => {
  const drained = await cluster.kubectlOk([
    "drain",
    "node02",
    "--ignore-daemonsets",
    "--force",
    // No kubelet confirms graceful deletion here, so evict with no grace period.
    "--grace-period=0",
    "--timeout=60s",
  ]);
  assert.match(drained, /node\/node02 cordoned/);
  assert.match(drained, /node\/node02 drained/);
  const nodes = await cluster.kubectlOk(["get", "nodes"]);
  assert.match(nodes, /node02\s+Ready,SchedulingDisabled/);
  await cluster.kubectlOk(["uncordon", "node02"]);
  assert.match(await cluster.kubectlOk(["get", "nodes"]), /node02\s+Ready\s/);
});

test("deployment: set image, rollout history, undo --to-revision renumbers as upstream", async () => {
  await cluster.kubectlOk(["create", "deployment", "web", "--image=nginx", "--port=80"]);
  await cluster.kubectlOk(["set", "image", "deployment/web", "nginx=nginx:1.2"]);
  await cluster.kubectlOk([
    "annotate",
    "deployment/web",
    "kubernetes.io/change-cause=image updated to 1.2",
  ]);
  const history = await eventually("two revisions", async () => {
    const out = await cluster.kubectlOk(["rollout", "history", "deployment", "web"]);
    return /^2\s+image updated to 1\.2$/m.test(out) ? out : undefined;
  });
  assert.match(history, /REVISION\s+CHANGE-CAUSE/);
  assert.match(history, /^1\s+<none>$/m);
  await cluster.kubectlOk(["rollout", "undo", "deployment", "web", "--to-revision=1"]);
  const after = await eventually("revision 1 rolled back as revision 3", async () => {
    const out = await cluster.kubectlOk(["rollout", "history", "deployment", "web"]);
    return /^3\s/m.test(out) ? out : undefined;
  });
  assert.doesNotMatch(after, /^1\s/m, "the old ReplicaSet is reused and becomes revision 3");
  const image = await cluster.kubectlOk([
    "get",
    "deployment",
    "web",
    "-o",
    "jsonpath={.spec.template.spec.containers[0].image}",
  ]);
  assert.equal(image, "nginx");
  const sets = lines(await cluster.kubectlOk(["get", "rs", "-l", "app=web", "-o", "name"]));
  assert.equal(sets.length, 2, "undo reuses the first ReplicaSet instead of making a third");
});

test("autoscale, cronjob and kubectl run's removed flags in their modern forms", async () => {
  await cluster.kubectlOk(["create", "deployment", "scaled", "--image=nginx"]);
  await cluster.kubectlOk([
    "autoscale",
    "deployment",
    "scaled",
    "--cpu-percent=50",
    "--min=1",
    "--max=2",
  ]);
  const hpa = await cluster.kubectlOk(["get", "hpa", "scaled"]);
  assert.match(hpa, /NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
  assert.match(hpa, /scaled\s+Deployment\/scaled\s+cpu: .*\/50%\s+1\s+2\s/);
  await cluster.kubectlOk([
    "create",
    "cronjob",
    "hello",
    "--schedule=*/1 * * * *",
    "--restart=OnFailure",
    "--image=busybox",
    "--",
    "/bin/sh",
    "-c",
    "date; echo Hello from the kubernetes cluster",
  ]);
  assert.match(
    await cluster.kubectlOk(["get", "cronjob", "hello"]),
    /hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>/,
  );
  // kubectl run --requests/--limits is gone; kubectl set resources is its successor.
  await cluster.kubectlOk(["create", "deployment", "nginx3", "--image=nginx"]);
  await cluster.kubectlOk([
    "set",
    "resources",
    "deployment",
    "nginx3",
    "--requests=cpu=200m,memory=1Gi",
    "--limits=cpu=300m,memory=2Gi",
  ]);
  const resources = await cluster.kubectlOk([
    "get",
    "deployment",
    "nginx3",
    "-o",
    "jsonpath={.spec.template.spec.containers[0].resources}",
  ]);
  assert.deepEqual(JSON.parse(resources), {
    limits: { cpu: "300m", memory: "2Gi" },
    requests: { cpu: "200m", memory: "1Gi" },
  });
});

test("secrets: docker-registry dry run, generic from files and literals", async () => {
  const dry = await cluster.kubectlOk([
    "create",
    "secret",
    "docker-registry",
    "--dry-run=client",
    "registryhttps",
    "--docker-server=https://example.com:5000",
    "--docker-username=username",
    "--docker-password=password",
    "--docker-email=docker@docker.com",
    "-o",
    "yaml",
  ]);
  assert.match(dry, /type: kubernetes.io\/dockerconfigjson/);
  assert.match((await cluster.kubectl(["get", "secret", "registryhttps"])).stderr, /NotFound/);
  await writeFile(join(work, "username.txt"), "username");
  await writeFile(join(work, "password.txt"), "password");
  await cluster.kubectlOk([
    "create",
    "secret",
    "generic",
    "db-user-pass",
    `--from-file=${join(work, "username.txt")}`,
    `--from-file=${join(work, "password.txt")}`,
  ]);
  await cluster.kubectlOk([
    "create",
    "secret",
    "generic",
    "db-pass",
    "--from-literal=username=admin",
    "--from-literal=password=c2VjcmV0",
  ]);
  const data = JSON.parse(
    await cluster.kubectlOk(["get", "secret", "db-user-pass", "-o", "jsonpath={.data}"]),
  );
  assert.equal(Buffer.from(data["username.txt"], "base64").toString(), "username");
  assert.equal(Buffer.from(data["password.txt"], "base64").toString(), "password");
  const all = await cluster.kubectlOk(["get", "secrets", "-o", "yaml"]);
  assert.match(all, /name: db-pass/);
  assert.match(all, /password: YzJWamNtVjA=/);
});

test("kubectl config view and kubectl proxy reach the API server", async () => {
  const view = await cluster.kubectlOk(["config", "view"]);
  assert.match(view, new RegExp(`server: https://127.0.0.1:${cluster.port}`));
  assert.match(view, /DATA\+OMITTED|REDACTED/);
  // Port 0: kubectl binds a free port itself and says which.
  const proxy = cluster.kubectlStream(["proxy", "--port=0", "--address=127.0.0.1"]);
  try {
    const serving = await proxy.waitFor(/Starting to serve on 127\.0\.0\.1:\d+/);
    const port = Number(/:(\d+)/.exec(serving)![1]);
    const body = await eventually("kubectl proxy serving", async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`).catch(() => undefined);
      return res?.ok ? res.json() : undefined;
    });
    const names = (body as { items: { metadata: { name: string } }[] }).items.map(
      (n) => n.metadata.name,
    );
    assert.ok(names.includes("kube-system"), names.join(","));
  } finally {
    await proxy.stop();
  }
});

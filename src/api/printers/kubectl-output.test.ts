/**
 * Drives the real kubectl 1.32 against a minimal HTTP server (127.0.0.1, port
 * 0) that answers discovery and serves our Tables for a fixed set of objects,
 * then compares kubectl's text with upstream's output format.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { KObject } from "../types.ts";
import { printerFor } from "./printers.ts";
import { toTable } from "./table.ts";
import { DAY, HOUR, MIN, NOW, ago } from "./testing.ts";

const objects: Record<string, KObject[]> = {
  pods: [
    {
      metadata: { name: "web-7c9", namespace: "default", creationTimestamp: ago(5 * MIN) },
      spec: { nodeName: "n1", containers: [{ name: "nginx" }] },
      status: {
        phase: "Running",
        podIPs: [{ ip: "10.42.0.7" }],
        containerStatuses: [
          {
            name: "nginx",
            ready: true,
            restartCount: 2,
            state: { running: {} },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * MIN) } },
          },
        ],
      },
    },
    {
      metadata: { name: "job-x", namespace: "batch", creationTimestamp: ago(2 * HOUR) },
      spec: { nodeName: "n2", containers: [{ name: "main" }] },
      status: {
        phase: "Succeeded",
        containerStatuses: [
          {
            name: "main",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: "Completed" } },
          },
        ],
      },
    },
  ],
  deployments: [
    {
      metadata: { name: "web", namespace: "default", creationTimestamp: ago(3 * DAY + 2 * HOUR) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: { spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } },
      },
      status: { readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 },
    },
  ],
  services: [
    {
      metadata: { name: "kubernetes", namespace: "default", creationTimestamp: ago(45 * DAY) },
      spec: {
        type: "ClusterIP",
        clusterIPs: ["10.43.0.1"],
        ports: [{ port: 443, protocol: "TCP" }],
      },
    },
    {
      metadata: { name: "web", namespace: "default", creationTimestamp: ago(90 * 1000) },
      spec: {
        type: "NodePort",
        clusterIPs: ["10.43.12.9"],
        selector: { app: "web" },
        ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }],
      },
    },
  ],
  events: [
    {
      metadata: { name: "web-7c9.17f", namespace: "default", creationTimestamp: ago(10 * MIN) },
      involvedObject: { kind: "Pod", name: "web-7c9", namespace: "default" },
      reason: "Pulled",
      message: 'Container image "nginx:1.25" already present on machine',
      type: "Normal",
      firstTimestamp: ago(10 * MIN),
      lastTimestamp: ago(45 * 1000),
      count: 3,
      source: { component: "kubelet", host: "n1" },
    },
  ],
  jobs: [
    {
      metadata: { name: "pi", namespace: "default", creationTimestamp: ago(8 * MIN) },
      spec: { completions: 1, template: { spec: { containers: [{ name: "pi", image: "perl" }] } } },
      status: {
        succeeded: 1,
        startTime: ago(8 * MIN),
        completionTime: ago(8 * MIN - 14 * 1000),
        conditions: [{ type: "Complete", status: "True" }],
      },
    },
  ],
  nodes: [
    {
      metadata: {
        name: "n1",
        creationTimestamp: ago(400 * DAY),
        labels: { "node-role.kubernetes.io/control-plane": "" },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        addresses: [{ type: "InternalIP", address: "192.168.0.10" }],
        nodeInfo: {
          kubeletVersion: "v1.32.4",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          kernelVersion: "6.1.0-18-amd64",
          containerRuntimeVersion: "containerd://1.6.20",
        },
      },
    },
  ],
};

const discovery: Record<string, unknown> = {
  "/version": { major: "1", minor: "32", gitVersion: "v1.32.4", platform: "linux/amd64" },
  "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
  "/apis": {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [
      {
        name: "apps",
        versions: [{ groupVersion: "apps/v1", version: "v1" }],
        preferredVersion: { groupVersion: "apps/v1", version: "v1" },
      },
      {
        name: "batch",
        versions: [{ groupVersion: "batch/v1", version: "v1" }],
        preferredVersion: { groupVersion: "batch/v1", version: "v1" },
      },
    ],
  },
  "/api/v1": {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["get", "list"] },
      {
        name: "services",
        singularName: "service",
        namespaced: true,
        kind: "Service",
        verbs: ["get", "list"],
      },
      {
        name: "events",
        singularName: "event",
        namespaced: true,
        kind: "Event",
        verbs: ["get", "list"],
      },
      {
        name: "nodes",
        singularName: "node",
        namespaced: false,
        kind: "Node",
        verbs: ["get", "list"],
      },
    ],
  },
  "/apis/batch/v1": {
    kind: "APIResourceList",
    groupVersion: "batch/v1",
    resources: [
      { name: "jobs", singularName: "job", namespaced: true, kind: "Job", verbs: ["get", "list"] },
    ],
  },
  "/apis/apps/v1": {
    kind: "APIResourceList",
    groupVersion: "apps/v1",
    resources: [
      {
        name: "deployments",
        singularName: "deployment",
        namespaced: true,
        kind: "Deployment",
        verbs: ["get", "list"],
      },
    ],
  },
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const send = (code: number, body: unknown) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const path = (req.url ?? "").split("?")[0]!;
  if (path in discovery) return send(200, discovery[path]);
  const m = /^\/(?:api|apis\/(apps|batch))\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  const list = m ? objects[m[3]!] : undefined;
  if (!m || !list || !(req.headers.accept ?? "").includes("as=Table;v=v1;g=meta.k8s.io")) {
    return send(404, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      code: 404,
    });
  }
  const items = m[2] ? list.filter((o) => o.metadata?.namespace === m[2]) : list;
  send(
    200,
    toTable(printerFor(m[1] ?? "", m[3]!), items, { listMeta: { resourceVersion: "7" } }, NOW),
  );
}

let server: Server;
let dir: string;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8ts-printers-"));
  writeFileSync(join(dir, "kubeconfig"), "");
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<string> {
  const flags = [
    `--kubeconfig=${join(dir, "kubeconfig")}`,
    `--server=http://127.0.0.1:${port}`,
    `--cache-dir=${join(dir, "cache")}`,
    "--namespace=default",
  ];
  return new Promise((resolve, reject) => {
    execFile("kubectl", [...flags, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const lines = (...rows: string[]) => rows.join("\n") + "\n";

test("kubectl get pods prints our table as upstream", async () => {
  assert.equal(
    await kubectl("get", "pods"),
    lines(
      "NAME      READY   STATUS    RESTARTS     AGE",
      "web-7c9   1/1     Running   2 (3m ago)   5m",
    ),
  );
  assert.equal(
    await kubectl("get", "pods", "-o", "wide"),
    lines(
      "NAME      READY   STATUS    RESTARTS     AGE   IP          NODE   NOMINATED NODE   READINESS GATES",
      "web-7c9   1/1     Running   2 (3m ago)   5m    10.42.0.7   n1     <none>           <none>",
    ),
  );
});

test("kubectl get -A takes NAMESPACE from the rows' PartialObjectMetadata", async () => {
  assert.equal(
    await kubectl("get", "pods", "-A"),
    lines(
      "NAMESPACE   NAME      READY   STATUS      RESTARTS     AGE",
      "default     web-7c9   1/1     Running     2 (3m ago)   5m",
      "batch       job-x     0/1     Completed   0            120m",
    ),
  );
});

test("kubectl get deployments, services and nodes", async () => {
  assert.equal(
    await kubectl("get", "deployments", "-o", "wide"),
    lines(
      "NAME   READY   UP-TO-DATE   AVAILABLE   AGE    CONTAINERS   IMAGES       SELECTOR",
      "web    3/3     3            3           3d2h   nginx        nginx:1.25   app=web",
    ),
  );
  assert.equal(
    await kubectl("get", "services"),
    lines(
      "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE",
      "kubernetes   ClusterIP   10.43.0.1    <none>        443/TCP        45d",
      "web          NodePort    10.43.12.9   <none>        80:30080/TCP   90s",
    ),
  );
  assert.equal(
    await kubectl("get", "nodes"),
    lines(
      "NAME   STATUS                     ROLES           AGE    VERSION",
      "n1     Ready,SchedulingDisabled   control-plane   400d   v1.32.4",
    ),
  );
  assert.equal(
    await kubectl("get", "nodes", "--no-headers"),
    lines("n1    Ready,SchedulingDisabled   control-plane   400d   v1.32.4"),
  );
});

test("kubectl get events and jobs", async () => {
  assert.equal(
    await kubectl("get", "events"),
    lines(
      "LAST SEEN   TYPE     REASON   OBJECT        MESSAGE",
      '45s         Normal   Pulled   pod/web-7c9   Container image "nginx:1.25" already present on machine',
    ),
  );
  assert.equal(
    await kubectl("get", "jobs"),
    lines(
      "NAME   STATUS     COMPLETIONS   DURATION   AGE",
      "pi     Complete   1/1           14s        8m",
    ),
  );
});

/**
 * Decodes protobuf bodies produced by the real kubectl 1.32 (not by our
 * encoder): a loopback HTTP server on port 0 captures each request body,
 * decodes it and echoes the object back as JSON, as an API server would.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusError } from "../status.ts";
import type { KObject } from "../types.ts";
import { appsV1 } from "./defs/apps-v1.ts";
import { authenticationV1 } from "./defs/authentication-v1.ts";
import { authorizationV1 } from "./defs/authorization-v1.ts";
import { batchV1 } from "./defs/batch-v1.ts";
import { coreV1 } from "./defs/core-v1.ts";
import { metaV1, runtimeTypes } from "./defs/meta-v1.ts";
import { networkingV1 } from "./defs/networking-v1.ts";
import { policyV1 } from "./defs/policy-v1.ts";
import { rbacV1 } from "./defs/rbac-v1.ts";
import { schedulingV1 } from "./defs/scheduling-v1.ts";
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from "./protobuf.ts";
import { SchemaRegistry } from "./schema-registry.ts";

const registry = new SchemaRegistry([
  metaV1,
  runtimeTypes,
  coreV1,
  appsV1,
  authenticationV1,
  authorizationV1,
  batchV1,
  networkingV1,
  policyV1,
  rbacV1,
  schedulingV1,
]);

/** Objects a kubectl command GETs before it writes. */
const existing: Record<string, KObject> = {
  "/api/v1/namespaces/default/serviceaccounts/default": {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "default", namespace: "default", uid: "sa-uid" },
  },
};

interface Captured {
  url: string;
  contentType: string;
  obj?: KObject;
  error?: string;
}

function startServer(captured: Captured[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0]!;
      res.setHeader("content-type", "application/json");
      if (path === "/version") {
        res.end(
          JSON.stringify({
            major: "1",
            minor: "32",
            gitVersion: "v1.32.4",
            platform: "linux/amd64",
          }),
        );
        return;
      }
      if (req.method === "GET" && existing[path]) {
        res.end(JSON.stringify(existing[path]));
        return;
      }
      const entry: Captured = {
        url: req.url ?? "",
        contentType: req.headers["content-type"] ?? "",
      };
      captured.push(entry);
      try {
        entry.obj = decodeKubernetesProtobuf(Buffer.concat(chunks), registry);
        res.statusCode = 201;
        res.end(JSON.stringify(entry.obj));
      } catch (err) {
        entry.error = err instanceof StatusError ? err.message : String(err);
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            code: 400,
            message: entry.error,
          }),
        );
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function kubectl(port: number, home: string, args: string[]): Promise<void> {
  const flags = [
    `--server=http://127.0.0.1:${port}`,
    `--cache-dir=${join(home, "cache")}`,
    "--request-timeout=20s",
  ];
  return new Promise((resolve) => {
    execFile(
      "kubectl",
      [...flags, ...args],
      { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: join(home, "none") } },
      () => resolve(),
    );
  });
}

/** kubectl arguments → what the decoded body must contain. */
const cases: [string[], string, Record<string, unknown>][] = [
  [
    ["create", "configmap", "cm1", "--from-literal=a=b", "--from-literal=empty="],
    "/api/v1/namespaces/default/configmaps",
    { kind: "ConfigMap", metadata: { name: "cm1" }, data: { a: "b", empty: "" } },
  ],
  [
    ["create", "secret", "generic", "s1", "--from-literal=user=admin"],
    "/api/v1/namespaces/default/secrets",
    {
      kind: "Secret",
      metadata: { name: "s1" },
      data: { user: Buffer.from("admin").toString("base64") },
    },
  ],
  [
    ["create", "namespace", "ns1"],
    "/api/v1/namespaces",
    { kind: "Namespace", metadata: { name: "ns1" } },
  ],
  [
    ["create", "deployment", "web", "--image=nginx", "--replicas=3", "--port=80"],
    "/apis/apps/v1/namespaces/default/deployments",
    {
      kind: "Deployment",
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              { name: "nginx", image: "nginx", ports: [{ containerPort: 80 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
    },
  ],
  [
    ["create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"],
    "/api/v1/namespaces/default/services",
    {
      spec: {
        ports: [{ name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 }],
        selector: { app: "np" },
        type: "NodePort",
      },
    },
  ],
  [
    [
      "create",
      "cronjob",
      "hello",
      "--schedule=*/1 * * * *",
      "--image=busybox",
      "--",
      "/bin/sh",
      "-c",
      "date; echo Hello",
    ],
    "/apis/batch/v1/namespaces/default/cronjobs",
    {
      kind: "CronJob",
      spec: {
        schedule: "*/1 * * * *",
        jobTemplate: {
          metadata: { name: "hello" },
          spec: {
            template: {
              metadata: {},
              spec: {
                containers: [
                  {
                    name: "hello",
                    image: "busybox",
                    command: ["/bin/sh", "-c", "date; echo Hello"],
                    resources: {},
                  },
                ],
                restartPolicy: "OnFailure",
              },
            },
          },
        },
      },
    },
  ],
  [
    ["create", "clusterrolebinding", "crb1", "--clusterrole=cr1", "--group=devs"],
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    {
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cr1" },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" }],
    },
  ],
  [
    ["create", "token", "default", "--duration=10m", "--audience=api"],
    "/api/v1/namespaces/default/serviceaccounts/default/token",
    { kind: "TokenRequest", spec: { audiences: ["api"], expirationSeconds: 600 } },
  ],
  [
    ["create", "ingress", "ing1", "--rule=foo.com/bar=svc1:8080,tls=my-cert"],
    "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
    {
      spec: {
        tls: [{ hosts: ["foo.com"], secretName: "my-cert" }],
        rules: [
          {
            host: "foo.com",
            http: {
              paths: [
                {
                  path: "/bar",
                  backend: { service: { name: "svc1", port: { number: 8080 } } },
                  pathType: "Exact",
                },
              ],
            },
          },
        ],
      },
    },
  ],
  [
    ["create", "poddisruptionbudget", "pdb1", "--selector=app=web", "--min-available=50%"],
    "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
    { spec: { minAvailable: "50%", selector: { matchLabels: { app: "web" } } } },
  ],
  [
    ["create", "priorityclass", "pc1", "--value=1000", "--preemption-policy=Never"],
    "/apis/scheduling.k8s.io/v1/priorityclasses",
    { value: 1000, preemptionPolicy: "Never" },
  ],
  [
    ["auth", "can-i", "create", "pods"],
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    { spec: { resourceAttributes: { namespace: "default", verb: "create", resource: "pods" } } },
  ],
];

test("bodies sent by the real kubectl decode to the objects it meant", async () => {
  const captured: Captured[] = [];
  const server = await startServer(captured);
  const home = mkdtempSync(join(tmpdir(), "k8ts-pb-kubectl-"));
  try {
    const port = (server.address() as { port: number }).port;
    for (const [args, path, want] of cases) {
      const before = captured.length;
      await kubectl(port, home, args);
      const got = captured.slice(before).find((c) => c.url.split("?")[0] === path);
      assert.ok(got, `kubectl ${args.join(" ")}: no request to ${path}`);
      assert.equal(got.contentType, PROTOBUF_MEDIA_TYPE, args.join(" "));
      assert.equal(got.error, undefined, `${args.join(" ")}: ${got.error}`);
      assertContains(got.obj, want, args.join(" "));
    }
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
});

/** Every key in `want` is in `got` with an equal value (objects compared recursively, arrays exactly). */
function assertContains(got: unknown, want: unknown, where: string): void {
  if (typeof want === "object" && want !== null && !Array.isArray(want)) {
    assert.ok(typeof got === "object" && got !== null, `${where}: expected an object`);
    for (const [k, v] of Object.entries(want))
      assertContains((got as Record<string, unknown>)[k], v, `${where}.${k}`);
    return;
  }
  assert.deepEqual(got, want, where);
}

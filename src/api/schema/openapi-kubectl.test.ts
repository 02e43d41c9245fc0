/**
 * The generated /openapi/v3 documents driven by the real kubectl 1.32:
 * `kubectl explain` renders from them, and `kubectl apply` trusts the server's
 * field validation (PATCH has fieldValidation) and computes its strategic
 * merge patch from their patch extensions. The fixture server below serves
 * only discovery, /openapi/v3 and an in-memory store for two paths.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { builtinSchemas } from "./builtin.ts";
import { openapiPathKey } from "./openapi.ts";
import { OpenAPIService } from "./openapi-service.ts";
import { appsResources } from "../resources/apps.ts";
import { coreResources } from "../resources/core.ts";
import type { ResourceDef } from "../types.ts";

const run = promisify(execFile);
const GVS: { group: string; version: string; resources: ResourceDef[] }[] = [
  { group: "", version: "v1", resources: coreResources() },
  { group: "apps", version: "v1", resources: appsResources() },
];

interface Recorded {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

function discovery(gv: (typeof GVS)[number]): unknown {
  const resources = gv.resources.flatMap((r) => [
    {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs ?? ["create", "delete", "get", "list", "patch", "update"],
      shortNames: r.shortNames,
    },
    ...(r.subresources ?? []).map((s) => ({
      name: `${r.resource}/${s.name}`,
      singularName: "",
      namespaced: r.namespaced,
      kind: s.kind,
      verbs: s.verbs,
    })),
  ]);
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version,
    resources,
  };
}

/** A fixture API server on 127.0.0.1:0 that records every write. */
function fixtureServer(recorded: Recorded[]): Server {
  const openapi = new OpenAPIService(
    GVS.flatMap((gv) => gv.resources),
    builtinSchemas(),
  );
  const store = new Map<string, Record<string, any>>();
  return createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url!, "http://fixture");
    const path = url.pathname;
    const send = (code: number, value: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(typeof value === "string" ? value : JSON.stringify(value));
    };
    if (req.method !== "GET")
      recorded.push({
        method: req.method!,
        url: req.url!,
        contentType: req.headers["content-type"] ?? "",
        body,
      });
    if (path === "/version")
      return send(200, { major: "1", minor: "32", gitVersion: "v1.32.4", platform: "linux/amd64" });
    if (path === "/api")
      return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    if (path === "/apis") {
      const groups = [
        {
          name: "apps",
          versions: [{ groupVersion: "apps/v1", version: "v1" }],
          preferredVersion: { groupVersion: "apps/v1", version: "v1" },
        },
      ];
      return send(200, { kind: "APIGroupList", apiVersion: "v1", groups });
    }
    if (path.startsWith("/openapi/")) {
      const out = openapi.respond({
        path,
        search: url.search,
        ifNoneMatch: req.headers["if-none-match"],
        accept: req.headers.accept,
      });
      res.writeHead(out.status, out.headers);
      return res.end(out.body);
    }
    const gv = GVS.find((g) => `/${openapiPathKey(g)}` === path);
    if (gv) return send(200, discovery(gv));
    const m = /^\/apis\/apps\/v1\/namespaces\/default\/deployments(?:\/([^/]+))?$/.exec(path);
    if (m && req.method === "POST") {
      const obj = JSON.parse(body);
      obj.metadata = { ...obj.metadata, namespace: "default", resourceVersion: "1", uid: "u1" };
      store.set(obj.metadata.name, obj);
      return send(201, obj);
    }
    if (m?.[1] && store.has(m[1])) return send(200, store.get(m[1]));
    send(404, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      code: 404,
      message: "not found",
    });
  });
}

let server: Server;
let dir: string;
const recorded: Recorded[] = [];

async function kubectl(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    "kubectl",
    [`--kubeconfig=${join(dir, "kubeconfig")}`, `--cache-dir=${join(dir, "cache")}`, ...args],
    { env: { ...process.env, HOME: dir }, timeout: 60_000 },
  );
  assert.doesNotMatch(stderr, /warning/i, stderr);
  return stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8ts-openapi-kubectl-"));
  server = fixtureServer(recorded);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: f, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: u, user: {}}]
contexts: [{name: f, context: {cluster: f, user: u}}]
current-context: f
`;
  writeFileSync(join(dir, "kubeconfig"), kubeconfig);
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test("kubectl explain renders fields from the generated documents", async (t) => {
  const cases: { args: string[]; want: RegExp[] }[] = [
    {
      args: ["explain", "pods.spec.containers"],
      want: [
        /^KIND:\s+Pod$/m,
        /^FIELD: containers <\[\]Container>$/m,
        /^ {2}name\t<string> -required-$/m,
        /^ {2}resources\t<ResourceRequirements>$/m,
      ],
    },
    {
      args: ["explain", "deployment"],
      want: [
        /^GROUP:\s+apps$/m,
        /^KIND:\s+Deployment$/m,
        /^ {2}apiVersion\t<string>$/m,
        /^ {2}spec\t<DeploymentSpec>$/m,
      ],
    },
    {
      args: ["explain", "deploy.spec.strategy.rollingUpdate.maxSurge"],
      want: [/^FIELD: maxSurge <IntOrString>$/m],
    },
    {
      args: ["explain", "pods.spec.containers.resources.limits"],
      want: [/^FIELD: limits <map\[string\]Quantity>$/m],
    },
    {
      args: ["explain", "deployment.spec", "--recursive"],
      want: [
        /^ {2}selector\t<LabelSelector> -required-$/m,
        /^ {6}containers\t<\[\]Container> -required-$/m,
      ],
    },
  ];
  for (const c of cases) {
    await t.test(c.args.join(" "), async () => {
      const out = await kubectl(...c.args);
      for (const re of c.want) assert.match(out, re);
    });
  }
});

test("kubectl apply leaves validation to the server and merges containers by name", async () => {
  const manifest = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: a, image: busybox}
      - {name: b, image: ${image}}
`;
  writeFileSync(join(dir, "d1.yaml"), manifest("busybox"));
  writeFileSync(join(dir, "d2.yaml"), manifest("nginx"));
  await kubectl("apply", "-f", join(dir, "d1.yaml"));
  await kubectl("apply", "-f", join(dir, "d2.yaml"));
  const [create, patch] = recorded;
  assert.equal(create?.method, "POST");
  assert.match(create!.url, /fieldValidation=Strict/);
  assert.equal(patch?.method, "PATCH");
  assert.match(patch!.url, /fieldValidation=Strict/);
  assert.equal(patch!.contentType, "application/strategic-merge-patch+json");
  const spec = JSON.parse(patch!.body).spec.template.spec;
  assert.deepEqual(spec["$setElementOrder/containers"], [{ name: "a" }, { name: "b" }]);
  assert.deepEqual(spec.containers, [{ image: "nginx", name: "b" }]);
});

test("kubectl validates a kind: List file on the client from the protobuf /openapi/v2", async () => {
  const list = (field: string) => `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: listed, namespace: default}
  spec:
    ${field}: 1
    selector: {matchLabels: {app: l}}
    template:
      metadata: {labels: {app: l}}
      spec: {containers: [{name: a, image: busybox}]}
`;
  writeFileSync(join(dir, "bad.yaml"), list("replicaz"));
  await assert.rejects(
    kubectl("create", "-f", join(dir, "bad.yaml")),
    (err: Error & { stderr?: string }) => {
      assert.match(err.stderr ?? "", /unknown field "replicaz"/);
      return true;
    },
  );
  writeFileSync(join(dir, "good.yaml"), list("replicas"));
  const out = await kubectl("create", "-f", join(dir, "good.yaml"));
  assert.match(out, /deployment.apps\/listed created/);
});

/**
 * Authorization modes other than RBAC end to end: ABAC with a policy file,
 * a SubjectAccessReview webhook on loopback (with its decision cache), and
 * the Node authorizer with NodeRestriction for kubelet identities.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type TestCluster } from "./harness.ts";

function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-s", "-k", "-w", "\n%{http_code}", ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const i = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
    });
  });
}

describe("ABAC and Webhook authorization", () => {
  let cluster: TestCluster;
  let dir: string;
  let webhook: Server;
  const reviews: { spec: Record<string, unknown> }[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-authz-"));
    webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const review = JSON.parse(body);
        reviews.push(review);
        const user = review.spec.user;
        const ra = review.spec.resourceAttributes ?? {};
        const status =
          user === "webby" && ra.resource === "pods" && ra.verb === "list"
            ? { allowed: true }
            : user === "blocked"
              ? { allowed: false, denied: true, reason: "blocked by policy" }
              : { allowed: false };
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ ...review, status }));
      });
    });
    await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", () => r()));
    const port = (webhook.address() as AddressInfo).port;
    await writeFile(
      join(dir, "webhook.kubeconfig"),
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: authz",
        "  cluster:",
        `    server: http://127.0.0.1:${port}/authorize`,
        "users:",
        "- name: apiserver",
        "  user: {}",
        "contexts:",
        "- name: webhook",
        "  context: {cluster: authz, user: apiserver}",
        "current-context: webhook",
        "",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "policy.jsonl"),
      [
        { user: "alice", namespace: "*", resource: "*", apiGroup: "*" },
        { user: "bob", namespace: "default", resource: "pods", readonly: true },
        { group: "system:authenticated", readonly: true, nonResourcePath: "*" },
      ]
        .map((spec) =>
          JSON.stringify({
            apiVersion: "abac.authorization.kubernetes.io/v1beta1",
            kind: "Policy",
            spec,
          }),
        )
        .join("\n"),
    );
    await writeFile(
      join(dir, "tokens.csv"),
      "t-alice,alice,1\nt-bob,bob,2\nt-webby,webby,3\nt-blocked,blocked,4\n",
    );
    cluster = await startCluster({
      args: [
        "--token-auth-file",
        join(dir, "tokens.csv"),
        "--authorization-mode",
        "ABAC,Webhook",
        "--authorization-policy-file",
        join(dir, "policy.jsonl"),
        "--authorization-webhook-config-file",
        join(dir, "webhook.kubeconfig"),
        "--authorization-webhook-cache-authorized-ttl",
        "5m",
        "--authorization-webhook-cache-unauthorized-ttl",
        "1ms",
      ],
    });
  });
  after(async () => {
    await cluster?.stop();
    await new Promise((r) => webhook?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const as = (token: string, path: string, method = "GET") =>
    curl([`${cluster.url}${path}`, "-X", method, "-H", `Authorization: Bearer ${token}`]);

  test("ABAC: user, readonly, namespace and nonResourcePath policies", async () => {
    assert.equal((await as("t-alice", "/api/v1/namespaces/kube-system/secrets")).status, 200);
    assert.equal((await as("t-bob", "/api/v1/namespaces/default/pods")).status, 200);
    assert.equal((await as("t-bob", "/api/v1/namespaces/kube-system/pods")).status, 403);
    assert.equal((await as("t-bob", "/api/v1/namespaces/default/pods/x", "DELETE")).status, 403);
    assert.equal((await as("t-bob", "/version")).status, 200);
  });

  test("Webhook: SubjectAccessReview answers, denial reasons and the allow cache", async () => {
    const before = reviews.length;
    assert.equal((await as("t-webby", "/api/v1/namespaces/default/pods")).status, 200);
    assert.equal((await as("t-webby", "/api/v1/namespaces/default/pods")).status, 200);
    const sent = reviews.slice(before).filter((r) => r.spec.user === "webby");
    assert.equal(sent.length, 1, "the second allowed request is answered from the cache");
    assert.deepEqual(sent[0].spec.resourceAttributes, {
      namespace: "default",
      verb: "list",
      group: "",
      version: "v1",
      resource: "pods",
      subresource: "",
      name: "",
    });
    assert.deepEqual(sent[0].spec.groups, ["system:authenticated"]);
    const blocked = await as("t-blocked", "/api/v1/namespaces/default/pods");
    assert.equal(blocked.status, 403);
    assert.equal(
      JSON.parse(blocked.body).message,
      'pods is forbidden: User "blocked" cannot list resource "pods" in API group "" in the namespace "default": blocked by policy',
    );
    // Count only this user's reviews: the server's own components may ask too.
    const blockedReviews = () => reviews.filter((r) => r.spec.user === "blocked").length;
    const n = blockedReviews();
    await as("t-blocked", "/api/v1/namespaces/default/pods");
    assert.equal(blockedReviews(), n + 1, "denials are cached only for the unauthorized TTL");
    const sar = JSON.parse(
      await cluster.kubectlOk(["create", "-o", "json", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: "webby",
            resourceAttributes: { namespace: "team", verb: "list", resource: "pods" },
          },
        }),
      }),
    );
    assert.equal(sar.status.allowed, true);
  });
});

describe("Node authorization and NodeRestriction", () => {
  let cluster: TestCluster;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-node-authz-"));
    await writeFile(
      join(dir, "tokens.csv"),
      't-n1,system:node:n1,n1,"system:nodes"\nt-n2,system:node:n2,n2,"system:nodes"\n',
    );
    cluster = await startCluster({ args: ["--token-auth-file", join(dir, "tokens.csv")] });
    const objects = [
      { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } },
      { apiVersion: "v1", kind: "Node", metadata: { name: "n2" } },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "mine", namespace: "default" },
        stringData: { a: "b" },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "other", namespace: "default" },
        stringData: { a: "b" },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p1", namespace: "default" },
        spec: {
          nodeName: "n1",
          containers: [{ name: "c", image: "busybox", envFrom: [{ secretRef: { name: "mine" } }] }],
        },
      },
    ];
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    });
  });
  after(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const as = (token: string, path: string, method = "GET", body?: string) =>
    curl([
      `${cluster.url}${path}`,
      "-X",
      method,
      "-H",
      `Authorization: Bearer ${token}`,
      ...(body ? ["-H", "Content-Type: application/json", "-d", body] : []),
    ]);

  test("a kubelet reads only the secrets of its own pods", async () => {
    assert.equal((await as("t-n1", "/api/v1/namespaces/default/secrets/mine")).status, 200);
    const other = await as("t-n1", "/api/v1/namespaces/default/secrets/other");
    assert.equal(other.status, 403);
    assert.equal(
      JSON.parse(other.body).message,
      `secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object`,
    );
    assert.equal((await as("t-n2", "/api/v1/namespaces/default/secrets/mine")).status, 403);
    assert.equal((await as("t-n1", "/api/v1/namespaces/default/secrets")).status, 403);
    assert.equal((await as("t-n1", "/api/v1/nodes")).status, 200);
    assert.equal((await as("t-n1", "/api/v1/pods")).status, 200);
  });

  test("NodeRestriction: own node only, mirror pods only", async () => {
    const patch = (name: string) =>
      curl([
        `${cluster.url}/api/v1/nodes/${name}`,
        "-X",
        "PATCH",
        "-H",
        "Authorization: Bearer t-n1",
        "-H",
        "Content-Type: application/merge-patch+json",
        "-d",
        '{"metadata":{"labels":{"x":"y"}}}',
      ]);
    assert.equal((await patch("n1")).status, 200);
    const n2 = await patch("n2");
    assert.equal(n2.status, 403, n2.body);
    const pod = (annotations: Record<string, string>) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `static-${Object.keys(annotations).length}`,
          namespace: "default",
          annotations,
        },
        spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
      });
    const plain = await as("t-n1", "/api/v1/namespaces/default/pods", "POST", pod({}));
    assert.equal(plain.status, 403, plain.body);
    assert.match(JSON.parse(plain.body).message, /can only create mirror pods/);
    const mirror = await as(
      "t-n1",
      "/api/v1/namespaces/default/pods",
      "POST",
      pod({ "kubernetes.io/config.mirror": "abc" }),
    );
    assert.equal(mirror.status, 201, mirror.body);
  });
});

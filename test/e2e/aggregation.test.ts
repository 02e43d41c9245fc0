/**
 * API aggregation through the real kubectl against `k8ts server`: an
 * extension API server on loopback (its own serving CA) that only trusts the
 * cluster's generated front-proxy CA sees the aggregator's front-proxy
 * client certificate and the caller in X-Remote-* headers; its resources
 * answer `kubectl get`, `kubectl get --raw` and `kubectl explain` (OpenAPI
 * merged); a WebSocket upgrade is relayed; the server accepts
 * request-header authentication from a front proxy and publishes
 * kube-system/extension-apiserver-authentication.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { WebSocket } from "ws";
import { eventually, startCluster, type TestCluster } from "./harness.ts";
import {
  apiServiceManifest,
  startExtensionServer,
  type TestExtensionServer,
} from "../../src/apiserver/aggregator/testing.ts";

describe("API aggregation with kubectl", () => {
  let cluster: TestCluster;
  let ext: TestExtensionServer;
  const tls = (name: string) => readFile(join(cluster.dataDir, "tls", name), "utf8");

  before(async () => {
    cluster = await startCluster();
    ext = await startExtensionServer({
      group: "widgets.k8ts.test",
      version: "v1alpha1",
      service: "widgets-api",
      namespace: "default",
      frontProxyCaPem: await tls("front-proxy-ca.crt"),
    });
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: apiServiceManifest({
        service: "widgets-api",
        group: "widgets.k8ts.test",
        version: "v1alpha1",
        port: ext.port,
        caBundle: ext.caBundle,
      }),
    });
    await eventually(
      "the APIService to be available",
      async () => {
        const r = await cluster.kubectl(["get", "--raw", "/apis/widgets.k8ts.test/v1alpha1"]);
        return r.code === 0 ? r : undefined;
      },
      { context: () => cluster.logs() },
    );
  });

  after(async () => {
    await cluster?.stop();
    await ext?.close();
  });

  test("kubectl get reaches the extension server as the front proxy, with the caller in headers", async () => {
    const raw = await cluster.kubectlOk([
      "get",
      "--raw",
      "/apis/widgets.k8ts.test/v1alpha1/namespaces/default/widgets",
    ]);
    assert.equal(JSON.parse(raw).items[0].metadata.name, "w1");
    const seen = ext.requests.filter((r) => r.path.endsWith("/widgets"));
    assert.ok(seen.length > 0);
    for (const r of seen) {
      assert.equal(r.clientCN, "front-proxy-client");
      assert.equal(r.user, "kubernetes-admin");
      assert.deepEqual(r.groups, ["system:masters", "system:authenticated"]);
    }
    const table = await eventually("kubectl get widgets", async () => {
      const r = await cluster.kubectl(["get", "widgets"]);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    });
    assert.match(table, /^NAME\b/);
    assert.match(table, /\nw1\b/);
  });

  test("kubectl explain reads the aggregated OpenAPI", async () => {
    const out = await eventually("kubectl explain widgets.spec", async () => {
      const r = await cluster.kubectl(["explain", "widgets.spec"]);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    });
    assert.match(out, /^GROUP:\s+widgets\.k8ts\.test$/m);
    assert.match(out, /^KIND:\s+Widget$/m);
    assert.match(out, /What the widget should be\./);
    assert.match(out, /size\s+<integer>/);
  });

  test("a WebSocket upgrade is relayed through the aggregator", async () => {
    const [cert, key] = await Promise.all([tls("admin.crt"), tls("admin.key")]);
    const ws = new WebSocket(
      `wss://127.0.0.1:${cluster.port}/apis/widgets.k8ts.test/v1alpha1/namespaces/default/widgets/w1/echo`,
      { cert, key, rejectUnauthorized: false },
    );
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once("open", () => ws.send("hello widget"));
      ws.once("message", (d) => resolve(String(d)));
      ws.once("error", reject);
    });
    ws.close();
    assert.equal(reply, "hello widget");
  });

  test("the server authenticates a front proxy's X-Remote-* headers and publishes its settings", async () => {
    const [cert, key] = await Promise.all([
      tls("front-proxy-client.crt"),
      tls("front-proxy-client.key"),
    ]);
    const review = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const body = JSON.stringify({
          apiVersion: "authentication.k8s.io/v1",
          kind: "SelfSubjectReview",
        });
        const req = request(
          {
            host: "127.0.0.1",
            port: cluster.port,
            method: "POST",
            path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            headers: { "content-type": "application/json", ...headers },
            cert,
            key,
            rejectUnauthorized: false,
          },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const ok = await review({ "X-Remote-User": "alice", "X-Remote-Group": "devs" });
    assert.equal(ok.status, 201, ok.body);
    assert.deepEqual(JSON.parse(ok.body).status.userInfo, {
      username: "alice",
      groups: ["devs", "system:authenticated"],
    });
    const anonymous = await review({});
    assert.equal(anonymous.status, 401, "the proxy's certificate alone is no user");
    const names = await cluster.kubectlOk([
      "get",
      "configmap",
      "-n",
      "kube-system",
      "extension-apiserver-authentication",
      "-o",
      "jsonpath={.data.requestheader-allowed-names} {.data.requestheader-username-headers}",
    ]);
    assert.equal(names, '["front-proxy-client"] ["X-Remote-User"]');
  });
});

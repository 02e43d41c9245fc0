import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ApiError } from "./api-error.ts";
import { loadKubeconfig } from "./kubeconfig.ts";
import { RestClient } from "./rest-client.ts";

const configMaps = { group: "", version: "v1", resource: "configmaps", namespaced: true };

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

test("over the Unix socket: methods, paths, headers, content types and errors as before", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-rest-wire-"));
  const socketPath = join(dir, "api.sock");
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url!.includes("missing")) {
        res.writeHead(404, { "Content-Type": "application/json" });
        return res.end(
          JSON.stringify({
            kind: "Status",
            code: 404,
            reason: "NotFound",
            message: 'configmaps "missing" not found',
          }),
        );
      }
      if (req.url!.includes("/teapot")) {
        res.writeHead(500);
        return res.end("plain failure");
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "ConfigMap", metadata: { name: "x" } }));
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  const client = new RestClient({
    server: "https://ignored.example:6443",
    socketPath,
    token: "tok",
    userAgent: "k8ts-test/1",
    qps: -1,
  });
  try {
    const cases: {
      name: string;
      call: () => Promise<unknown>;
      method: string;
      url: string;
      type?: string;
      body?: unknown;
    }[] = [
      {
        name: "get",
        call: () => client.get(configMaps, "ns", "x"),
        method: "GET",
        url: "/api/v1/namespaces/ns/configmaps/x",
      },
      {
        name: "list with selector",
        call: () =>
          client.list(configMaps, "ns", { labelSelector: "a=b", limit: 5, timeoutSeconds: 3 }),
        method: "GET",
        url: "/api/v1/namespaces/ns/configmaps?labelSelector=a%3Db&limit=5",
      },
      {
        name: "create with field manager",
        call: () =>
          client.create(configMaps, "ns", { metadata: { name: "ü" } }, { fieldManager: "m" }),
        method: "POST",
        url: "/api/v1/namespaces/ns/configmaps?fieldManager=m",
        type: "application/json",
        body: { metadata: { name: "ü" } },
      },
      {
        name: "status update",
        call: () =>
          client.update(
            configMaps,
            { metadata: { name: "x", namespace: "ns" } },
            { subresource: "status" },
          ),
        method: "PUT",
        url: "/api/v1/namespaces/ns/configmaps/x/status",
        type: "application/json",
      },
      ...(["json", "merge", "strategic", "apply"] as const).map((p) => ({
        name: `${p} patch`,
        call: () =>
          client.patch(configMaps, "ns", "x", p, p === "json" ? [] : { data: { k: "€" } }, {
            force: p === "apply",
          }),
        method: "PATCH",
        url: `/api/v1/namespaces/ns/configmaps/x${p === "apply" ? "?force=true" : ""}`,
        type: {
          json: "application/json-patch+json",
          merge: "application/merge-patch+json",
          strategic: "application/strategic-merge-patch+json",
          apply: "application/apply-patch+yaml",
        }[p],
        body: p === "json" ? [] : { data: { k: "€" } },
      })),
      {
        name: "delete with options",
        call: () => client.delete(configMaps, "ns", "x", { propagationPolicy: "Foreground" }),
        method: "DELETE",
        url: "/api/v1/namespaces/ns/configmaps/x",
        type: "application/json",
        body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground" },
      },
    ];
    for (const c of cases) {
      await t.test(c.name, async () => {
        assert.equal(((await c.call()) as { kind: string }).kind, "ConfigMap");
        const s = seen.at(-1)!;
        assert.equal(s.method, c.method);
        assert.equal(s.url, c.url);
        assert.equal(s.headers.authorization, "Bearer tok");
        assert.equal(s.headers["user-agent"], "k8ts-test/1");
        assert.equal(s.headers.accept, "application/json");
        assert.equal(s.headers.host, "localhost");
        assert.equal(s.headers["content-type"], c.type);
        if (c.body !== undefined) {
          assert.deepEqual(JSON.parse(s.body), c.body);
          assert.equal(Number(s.headers["content-length"]), Buffer.byteLength(s.body));
        }
      });
    }
    await t.test("a Status answer becomes an ApiError with its reason", async () => {
      const err = await client.get(configMaps, "ns", "missing").catch((e: unknown) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 404);
      assert.equal(err.reason, "NotFound");
      assert.equal(err.message, 'configmaps "missing" not found');
    });
    await t.test("a non-Status answer becomes an ApiError with the text", async () => {
      const err = await client.get(configMaps, "ns", "teapot").catch((e: unknown) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 500);
      assert.equal(err.reason, "Unknown");
      assert.match(
        err.message,
        /GET \/api\/v1\/namespaces\/ns\/configmaps\/teapot: 500 plain failure/,
      );
    });
    await t.test("patchIgnoringAnswer: same request, no answer; failures still throw", async () => {
      const ok = await client.patchIgnoringAnswer(
        configMaps,
        "ns",
        "x",
        "merge",
        '{"status":{"phase":"Running"}}',
        { subresource: "status" },
      );
      assert.equal(ok, undefined);
      const s = seen.at(-1)!;
      assert.equal(s.method, "PATCH");
      assert.equal(s.url, "/api/v1/namespaces/ns/configmaps/x/status");
      assert.equal(s.headers["content-type"], "application/merge-patch+json");
      assert.equal(s.body, '{"status":{"phase":"Running"}}');
      const cases = [
        { name: "missing", code: 404, reason: "NotFound" },
        { name: "teapot", code: 500, reason: "Unknown" },
      ];
      for (const c of cases) {
        const err = await client
          .patchIgnoringAnswer(configMaps, "ns", c.name, "merge", {})
          .catch((e: unknown) => e);
        assert.ok(err instanceof ApiError, c.name);
        assert.equal(err.code, c.code);
        assert.equal(err.reason, c.reason);
      }
    });
    await t.test("a watch error answer becomes an ApiError", async () => {
      const it = client.watch(configMaps, "ns", { fieldSelector: "metadata.name=missing" });
      await assert.rejects(it.next(), (e: unknown) => e instanceof ApiError && e.code === 404);
    });
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("timeoutMs bounds a request; a watch aborted by its signal just ends", async () => {
  const open = new Set<import("node:http").ServerResponse>();
  const server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    if (req.url!.includes("watch=true")) {
      res.writeHead(200);
      res.write(JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } }) + "\n");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as import("node:net").AddressInfo;
  const client = new RestClient({ server: `http://127.0.0.1:${port}`, qps: -1, timeoutMs: 30 });
  try {
    await assert.rejects(client.get(configMaps, "ns", "x"), { code: "ETIMEDOUT" });
    const ac = new AbortController();
    const names: string[] = [];
    for await (const ev of client.watch(configMaps, "ns", {}, ac.signal)) {
      names.push(ev.object.metadata!.name!);
      ac.abort();
    }
    assert.deepEqual(names, ["a"]);
    const until = Date.now() + 30_000;
    while (open.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.equal(open.size, 0);
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("kubeconfig: tls-server-name is read", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-kubeconfig-"));
  try {
    const file = join(dir, "config");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: c",
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:6443', tls-server-name: kubernetes.default}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: c, context: {cluster: k, user: u}}]",
      ].join("\n"),
    );
    const cfg = loadKubeconfig(file);
    assert.equal(cfg.tlsServerName, "kubernetes.default");
    assert.equal(cfg.token, "t");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

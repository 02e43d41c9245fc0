/**
 * Every error class as kubectl shows it, and bad input that must change
 * nothing: the answers come from metav1.Status bodies.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import https from "node:https";
import { parse } from "yaml";
import { startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

function status(body: string): { kind: string; reason: string; code: number; message: string } {
  const parsed = JSON.parse(body);
  assert.equal(parsed.kind, "Status");
  return parsed;
}

test("AlreadyExists", async () => {
  const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n";
  await cluster.kubectlOk(["create", "-f", "-"], { input: manifest });
  const res = await cluster.kubectl(["create", "-f", "-"], { input: manifest });
  assert.notEqual(res.code, 0);
  assert.match(
    res.stderr,
    /Error from server \(AlreadyExists\): error when creating "STDIN": configmaps "dup" already exists/,
  );
  // The generators print the same Status message their own way.
  const gen = await cluster.kubectl(["create", "configmap", "dup"]);
  assert.match(gen.stderr, /configmaps "dup" already exists/);
});

test("NotFound", async () => {
  const res = await cluster.kubectl(["get", "secret", "nope"]);
  assert.match(res.stderr, /Error from server \(NotFound\): secrets "nope" not found/);
});

test("writes into a missing namespace are NotFound", async () => {
  const manifest =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: missing-ns\n";
  const res = await cluster.kubectl(["create", "-f", "-"], { input: manifest });
  assert.match(
    res.stderr,
    /Error from server \(NotFound\): error when creating "STDIN": namespaces "missing-ns" not found/,
  );
});

test("Invalid with field causes", async () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "bad" },
    spec: { containers: [{ image: "busybox" }] },
  };
  const res = await cluster.kubectl(["create", "-f", "-"], { input: JSON.stringify(pod) });
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /The Pod "bad" is invalid: spec\.containers\[0\]\.name: Required value/);
});

test("invalid names are rejected", async () => {
  const res = await cluster.kubectl(["create", "configmap", "Not_Valid"]);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /is invalid: metadata\.name: Invalid value: "Not_Valid"/);
});

test("strict field validation rejects unknown fields", async () => {
  const pod =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: strict\nspec:\n  containers:\n  - name: c\n    image: busybox\n    bogus: 1\n";
  const res = await cluster.kubectl(["create", "-f", "-"], { input: pod });
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /strict decoding error: unknown field "spec\.containers\[0\]\.bogus"/);
  const get = await cluster.kubectl(["get", "pod", "strict"]);
  assert.notEqual(get.code, 0);
});

test("a JSON body with a duplicate field is a strict decoding error (Strict) or a warning (Warn)", async () => {
  const body =
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dupfield"},"data":{"a":"1"},"data":{"b":"2"}}';
  const headers = { "content-type": "application/json" };
  const path = "/api/v1/namespaces/default/configmaps";
  const strict = await cluster.request("POST", `${path}?fieldValidation=Strict`, body, headers);
  assert.equal(strict.status, 400);
  assert.match(JSON.parse(strict.body).message, /strict decoding error: duplicate field "data"/);
  assert.equal((await cluster.request("GET", `${path}/dupfield`)).status, 404);
  const warn = await cluster.request("POST", `${path}?fieldValidation=Warn`, body, headers);
  assert.equal(warn.status, 201);
  assert.match(String(warn.headers.warning), /^299 - "duplicate field \\"data\\""$/);
});

test("a wrongly typed field from the course notes' toleration YAML gets a clear 400", async () => {
  // `- key:"app"` (no space after the colon) is a string, not a mapping.
  const pod =
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: mypod\nspec:\n  containers:\n  - name: nginx-controller\n    image: nginx\n  tolerations:\n  - key:"app"\n    operator:"Equal"\n';
  const res = await cluster.kubectl(["create", "-f", "-"], { input: pod });
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /tolerations/);
  assert.doesNotMatch(res.stderr, /InternalError/);
});

test("Conflict on a stale resourceVersion", async () => {
  const cm = JSON.parse(await cluster.kubectlOk(["get", "cm", "dup", "-o", "json"]));
  await cluster.kubectlOk(["label", "cm", "dup", "v=2"]);
  const res = await cluster.request(
    "PUT",
    "/api/v1/namespaces/default/configmaps/dup",
    JSON.stringify(cm),
    { "Content-Type": "application/json" },
  );
  assert.equal(res.status, 409);
  const s = status(res.body);
  assert.equal(s.reason, "Conflict");
});

test("malformed JSON is a 400 BadRequest and stores nothing", async () => {
  const res = await cluster.request(
    "POST",
    "/api/v1/namespaces/default/configmaps",
    '{"metadata": {"name": "x"',
    { "Content-Type": "application/json" },
  );
  assert.equal(res.status, 400);
  assert.equal(status(res.body).reason, "BadRequest");
  // Nothing stored (the list's resourceVersion is the cluster-wide revision, which
  // background writers move, so look for the object itself).
  const after = await cluster.request("GET", "/api/v1/namespaces/default/configmaps/x");
  assert.equal(after.status, 404, after.body);
});

test("bodies over 3 MiB are 413 RequestEntityTooLarge", async () => {
  // The whole 4 MiB body is sent, as kubectl does: the server reads and drops
  // the rest before answering, so the writer sees the 413, not a broken pipe.
  const cfg = parse(await readFile(cluster.kubeconfig, "utf8")) as {
    users: { user: Record<string, string> }[];
  };
  const user = cfg.users[0]!.user;
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: cluster.port,
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps",
        headers: { "Content-Type": "application/json", "Content-Length": 4 * 1024 * 1024 },
        rejectUnauthorized: false,
        cert: Buffer.from(user["client-certificate-data"]!, "base64"),
        key: Buffer.from(user["client-key-data"]!, "base64"),
      },
      (r) => {
        let body = "";
        r.on("data", (c: Buffer) => (body += c.toString()));
        r.on("end", () => {
          req.destroy();
          resolve({ status: r.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    const head = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"blob":"';
    const tail = '"}}';
    req.write(head);
    req.write("x".repeat(4 * 1024 * 1024 - head.length - tail.length));
    req.end(tail);
  });
  assert.equal(res.status, 413);
  assert.equal(status(res.body).reason, "RequestEntityTooLarge");
  assert.equal(status(res.body).message, "Request entity too large: limit is 3145728");
  assert.notEqual((await cluster.kubectl(["get", "cm", "big"])).code, 0);
  // kubectl itself, sending a 4 MiB object over HTTP/1.1, gets the Status too.
  const dir = await mkdtemp(join(tmpdir(), "k8ts-big-"));
  try {
    await writeFile(join(dir, "blob"), "y".repeat(4 * 1024 * 1024));
    const r = await cluster.kubectl(["create", "configmap", "big2", `--from-file=${dir}/blob`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Request entity too large: limit is 3145728/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("an unsupported content type is 415", async () => {
  const res = await cluster.request("POST", "/api/v1/namespaces/default/configmaps", "a=b", {
    "Content-Type": "text/csv",
  });
  assert.equal(res.status, 415);
  assert.equal(status(res.body).reason, "UnsupportedMediaType");
});

test("a kind that does not match the URL is a 400", async () => {
  const res = await cluster.request(
    "POST",
    "/api/v1/namespaces/default/configmaps",
    JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }),
    { "Content-Type": "application/json" },
  );
  assert.equal(res.status, 400);
});

test("unknown paths are 404 Status objects, wrong methods 405", async () => {
  const missing = await cluster.request("GET", "/api/v1/bogusresources");
  assert.equal(missing.status, 404);
  assert.equal(status(missing.body).reason, "NotFound");
  const method = await cluster.request("PUT", "/api/v1/namespaces/default/configmaps");
  assert.equal(method.status, 405);
  assert.equal(status(method.body).reason, "MethodNotAllowed");
});

test("watch from a compacted or future-garbage resourceVersion fails cleanly", async () => {
  const res = await cluster.request("GET", "/api/v1/configmaps?watch=true&resourceVersion=abc");
  assert.equal(res.status, 400);
  assert.equal(status(res.body).reason, "BadRequest");
});

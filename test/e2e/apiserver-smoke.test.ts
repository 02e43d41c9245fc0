/**
 * Smoke test: `k8ts apiserver` as a real child process on a free port (it
 * binds port 0 itself) with its own data dir, driven by the real kubectl
 * 1.32 through the admin kubeconfig it writes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "./harness.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");

/** The port the server bound (it was asked for port 0), once its admin kubeconfig names it. */
async function boundPort(kubeconfig: string): Promise<number | undefined> {
  const text = await readFile(kubeconfig, "utf8").catch(() => "");
  // The closing quote proves the line was read whole.
  const port = /server: "https:\/\/[^"]+:(\d+)"/.exec(text)?.[1];
  return port ? Number(port) : undefined;
}

function readyz(port: number): Promise<number> {
  return new Promise((res) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/readyz", rejectUnauthorized: false, timeout: 1000 },
      (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      },
    );
    req.on("error", () => res(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

let dir: string;
let child: ChildProcess;
let output = "";

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      "kubectl",
      [
        "--kubeconfig",
        join(dir, "data", "admin.kubeconfig"),
        "--cache-dir",
        join(dir, "kcache"),
        ...args,
      ],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-smoke-"));
  child = spawn(
    process.execPath,
    [join(root, "bin", "k8ts"), "apiserver", "--data-dir", join(dir, "data"), "--secure-port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  // Poll readiness: each probe is a real request, bounded by an overall attempt count.
  for (let i = 0; i < 900; i++) {
    const port = await boundPort(join(dir, "data", "admin.kubeconfig"));
    if (port && (await readyz(port)) === 200) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`apiserver did not become ready:\n${output}`);
});

after(async () => {
  await stopChild(child);
  await rm(dir, { recursive: true, force: true });
});

test("kubectl version reports the server as v1.32", async () => {
  const r = await kubectl("version", "-o", "json");
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout).serverVersion;
  assert.equal(v.major, "1");
  assert.equal(v.minor, "32");
});

test("kubectl get ns lists the system namespaces", async () => {
  const r = await kubectl("get", "ns", "-o", "name");
  assert.equal(r.code, 0, r.stderr);
  for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    assert.match(r.stdout, new RegExp(`^namespace/${ns}$`, "m"));
  }
});

test("kubectl creates, gets and deletes a configmap", async () => {
  const file = join(dir, "cm.yaml");
  await writeFile(
    file,
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke\n  namespace: default\ndata:\n  greeting: hello\n",
  );
  const created = await kubectl("create", "-f", file, "--validate=false");
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /configmap\/smoke created/);

  const again = await kubectl("create", "-f", file, "--validate=false");
  assert.notEqual(again.code, 0);
  assert.match(
    again.stderr,
    /Error from server \(AlreadyExists\).*configmaps "smoke" already exists/,
  );

  const got = await kubectl(
    "get",
    "configmap",
    "smoke",
    "-n",
    "default",
    "-o",
    "jsonpath={.data.greeting}",
  );
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, "hello");

  const deleted = await kubectl("delete", "configmap", "smoke", "-n", "default");
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /configmap "smoke" deleted/);

  const gone = await kubectl("get", "configmap", "smoke", "-n", "default");
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /Error from server \(NotFound\): configmaps "smoke" not found/);
});

test("@kubernetes/client-node lists, watches through an informer, creates, patches, deletes and sees conflicts", async () => {
  const k8s = await import("@kubernetes/client-node");
  const { readFile } = await import("node:fs/promises");
  const kc = new k8s.KubeConfig();
  kc.loadFromString(await readFile(join(dir, "data", "admin.kubeconfig"), "utf8"));
  const core = kc.makeApiClient(k8s.CoreV1Api);

  const namespaces = await core.listNamespace();
  assert.ok(namespaces.items.some((n) => n.metadata?.name === "kube-system"));

  const informer = k8s.makeInformer(kc, "/api/v1/namespaces/default/configmaps", () =>
    core.listNamespacedConfigMap({ namespace: "default" }),
  );
  const added = new Promise<string>((res) =>
    informer.on("add", (obj) => res(obj.metadata?.name ?? "")),
  );
  await informer.start();

  const created = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "from-client-node" }, data: { a: "1" } },
  });
  assert.equal(await added, "from-client-node");

  const patched = await core.patchNamespacedConfigMap(
    { name: "from-client-node", namespace: "default", body: { data: { b: "2" } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  assert.equal(patched.data?.b, "2");

  await assert.rejects(
    core.replaceNamespacedConfigMap({
      name: "from-client-node",
      namespace: "default",
      body: { ...created, data: { c: "3" } },
    }),
    (err: { code?: number }) => err.code === 409,
  );

  await core.deleteNamespacedConfigMap({ name: "from-client-node", namespace: "default" });
  await informer.stop();
});

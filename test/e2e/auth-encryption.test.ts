/** Secrets at rest: `k8ts server` encrypts them by default; the raw SQLite file holds no plaintext. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { startCluster, type TestCluster } from "./harness.ts";
import { startEtcd, type EtcdProcess } from "../../src/storage/testing/etcd-process.ts";

describe("encryption at rest", () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test("secret values never reach the SQLite files in plaintext; reads decrypt", async () => {
    const value = "supersecretvalue-8c1f";
    await cluster.kubectlOk([
      "create",
      "secret",
      "generic",
      "db",
      `--from-literal=password=${value}`,
    ]);
    await cluster.kubectlOk(["create", "configmap", "plain", `--from-literal=note=${value}`]);
    const got = await cluster.kubectlOk(["get", "secret", "db", "-o", "jsonpath={.data.password}"]);
    assert.equal(Buffer.from(got, "base64").toString(), value);
    const dbDir = join(cluster.dataDir, "db");
    let raw = Buffer.alloc(0);
    for (const f of await readdir(dbDir))
      raw = Buffer.concat([raw, await readFile(join(dbDir, f))]);
    const text = raw.toString("latin1");
    assert.ok(
      text.includes("k8s:enc:aescbc:v1:aescbckey:"),
      "the stored secret carries the upstream prefix",
    );
    assert.ok(!text.includes(Buffer.from(value).toString("base64")), "no base64 plaintext");
    assert.ok(!text.includes('"name":"db"'), "the whole secret object is encrypted");
    assert.ok(text.includes(value), "config maps are not encrypted (control)");
    const config = JSON.parse(
      await readFile(join(cluster.dataDir, "cred", "encryption-config.json"), "utf8"),
    );
    assert.equal(config.kind, "EncryptionConfiguration");
    const list = await cluster.kubectlOk(["get", "secrets", "-o", "name"]);
    assert.match(list, /secret\/db/);
  });
});

/** Concatenated bytes of the SQLite database files (main file + WAL), as latin1 text. */
async function rawSqlite(dataDir: string): Promise<string> {
  const dbDir = join(dataDir, "db");
  let raw = Buffer.alloc(0);
  for (const f of await readdir(dbDir)) raw = Buffer.concat([raw, await readFile(join(dbDir, f))]);
  return raw.toString("latin1");
}

describe("encryption at rest with a secretbox --encryption-provider-config", () => {
  let cluster: TestCluster;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-secretbox-"));
    const config = join(dir, "encryption.yaml");
    await writeFile(
      config,
      [
        "apiVersion: apiserver.config.k8s.io/v1",
        "kind: EncryptionConfiguration",
        "resources:",
        "  - resources: [secrets, configmaps]",
        "    providers:",
        "      - secretbox:",
        "          keys:",
        "            - name: sbkey1",
        `              secret: ${randomBytes(32).toString("base64")}`,
        "      - identity: {}",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    cluster = await startCluster({ args: ["--encryption-provider-config", config] });
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("secrets and config maps are stored as k8s:enc:secretbox:v1:sbkey1: and read back", async () => {
    const value = "secretbox-value-41e7";
    await cluster.kubectlOk(["create", "secret", "generic", "sb", `--from-literal=pw=${value}`]);
    await cluster.kubectlOk(["create", "configmap", "sbcm", `--from-literal=note=${value}`]);
    const got = await cluster.kubectlOk(["get", "secret", "sb", "-o", "jsonpath={.data.pw}"]);
    assert.equal(Buffer.from(got, "base64").toString(), value);
    const cm = await cluster.kubectlOk(["get", "configmap", "sbcm", "-o", "jsonpath={.data.note}"]);
    assert.equal(cm, value);
    const text = await rawSqlite(cluster.dataDir);
    assert.ok(text.includes("k8s:enc:secretbox:v1:sbkey1:"), "upstream secretbox prefix");
    assert.ok(!text.includes(Buffer.from(value).toString("base64")), "no base64 secret value");
    assert.ok(!text.includes(value), "no plaintext config map value");
  });
});

describe("encryption at rest on etcd", () => {
  let etcd: EtcdProcess;
  let cluster: TestCluster;
  before(async () => {
    etcd = await startEtcd();
    cluster = await startCluster({
      args: ["--datastore-endpoint", etcd.endpoints[0].replace(/^http:/, "etcd:")],
    });
  });
  after(async () => {
    await cluster?.stop();
    await etcd?.stop();
  });

  test("etcdctl get shows the k8s:enc:aescbc prefix and no plaintext", async () => {
    const value = "etcd-secret-value-5d2a";
    await cluster.kubectlOk([
      "create",
      "secret",
      "generic",
      "db",
      `--from-literal=password=${value}`,
    ]);
    const raw = await new Promise<string>((resolve, reject) =>
      execFile(
        "etcdctl",
        [
          "--endpoints",
          etcd.endpoints[0],
          "get",
          "/registry/secrets/default/db",
          "--print-value-only",
        ],
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    assert.match(raw, /^k8s:enc:aescbc:v1:aescbckey:/);
    assert.ok(!raw.includes(Buffer.from(value).toString("base64")));
    const got = await cluster.kubectlOk(["get", "secret", "db", "-o", "jsonpath={.data.password}"]);
    assert.equal(Buffer.from(got, "base64").toString(), value);
  });
});

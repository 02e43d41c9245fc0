/**
 * External etcd topology: two `k8ts server` processes share a TLS etcd they
 * do not manage (--datastore-endpoint https://... with
 * --etcd-cafile/--etcd-certfile/--etcd-keyfile). The first starts the
 * cluster, the second joins with a token and gets the shared keys, so
 * objects and encrypted secrets written through one are read through the
 * other, and etcdctl shows the state under /registry/. Snapshots of the
 * external etcd are saved through its API; restoring one through a server
 * is refused (k8ts restores only etcd it manages, as k3s).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd, type EtcdProcess } from "../../src/storage/testing/etcd-process.ts";
import { k8ts, run, startHaServer, type HaServer } from "./ha-cluster.ts";

let root: string;
let etcd: EtcdProcess;
const servers: HaServer[] = [];
let datastore: string[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), "k8ts-ha-external-"));
  etcd = await startEtcd({ tls: true });
  datastore = [
    "--datastore-endpoint",
    etcd.endpoints[0]!,
    "--etcd-cafile",
    etcd.caFile!,
    "--etcd-certfile",
    etcd.certFile!,
    "--etcd-keyfile",
    etcd.keyFile!,
  ];
});

after(async () => {
  for (const s of servers) await s.kill("SIGTERM");
  await etcd?.stop();
  await rm(root, { recursive: true, force: true });
});

test("two servers on one external TLS etcd: init, token join, shared state", async () => {
  const a = await startHaServer("ext-a", join(root, "a"), ["--cluster-init", ...datastore]);
  servers.push(a);
  const token = await k8ts(["token", "create", "--control-plane", "--print-join-command"], {
    KUBECONFIG: a.kubeconfig,
  });
  assert.equal(token.code, 0, token.stderr);
  const joinArgs = token.stdout.trim().split(" ").slice(2);
  const b = await startHaServer("ext-b", join(root, "b"), [...joinArgs, ...datastore]);
  servers.push(b);
  const w = await b.kubectl(["create", "secret", "generic", "ext", "--from-literal=k=v"]);
  assert.equal(w.code, 0, w.stderr);
  const r = await a.kubectl(["get", "secret", "ext", "-o", "jsonpath={.data.k}"]);
  assert.equal(r.stdout, Buffer.from("v").toString("base64"), r.stderr);
  const keys = await run(
    "etcdctl",
    [
      `--endpoints=${etcd.endpoints[0]}`,
      `--cacert=${etcd.caFile}`,
      `--cert=${etcd.certFile}`,
      `--key=${etcd.keyFile}`,
      "get",
      "--prefix",
      "--keys-only",
      "/registry/secrets/default/",
    ],
    { ETCDCTL_API: "3" },
  );
  assert.equal(keys.code, 0, keys.stderr);
  assert.match(keys.stdout, /^\/registry\/secrets\/default\/ext$/m);
  // No managed member: neither server runs etcd of its own.
  const members = await k8ts(["etcd", "member", "list", "--data-dir", b.dataDir]);
  assert.notEqual(members.code, 0);
  assert.match(members.stderr, /No managed etcd member/);

  const snap = join(root, "external.snap");
  const saved = await k8ts([
    "etcd",
    "snapshot",
    "save",
    snap,
    "--endpoints",
    etcd.endpoints[0]!,
    "--cacert",
    etcd.caFile!,
    "--cert",
    etcd.certFile!,
    "--key",
    etcd.keyFile!,
  ]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(saved.stdout, /Snapshot saved at .* \(\d+ bytes, revision \d+\)/);
  const restore = await k8ts(["etcd", "snapshot", "restore", snap, "--data-dir", b.dataDir]);
  assert.notEqual(restore.code, 0);
  assert.match(restore.stderr, /no managed etcd member .*etcdutl snapshot restore/s);
});

/**
 * Bootstrap of a managed-etcd server on its own loopback address
 * (127.0.0.5): `k8ts token create|list|delete` and the join command; tokens
 * made with kubectl are signed into cluster-info by the bootstrapsigner and
 * deleted by the tokencleaner once expired; joins with a wrong token, a
 * wrong CA hash or a node-only token are refused (no etcd member added); an
 * etcd snapshot save → wipe → restore round trip serves exactly the objects
 * of the snapshot. (The three-server faults are in ha.test.ts.)
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyDetached } from "../../src/ha/cluster-info.ts";
import { eventually } from "./harness.ts";
import { k8ts, startHaServer, stopServers, type HaServer } from "./ha-cluster.ts";

let root: string;
const servers: HaServer[] = [];
let joinArgs: string[] = [];
const HOST = "127.0.0.5";
let port: number;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "k8ts-ha-bootstrap-e2e-"));
  servers.push(
    await startHaServer("s1", join(root, "s1"), ["--cluster-init", "--etcd", "managed"], {
      host: HOST,
    }),
  );
  // A restart of s1 listens on the same port again.
  port = servers[0]!.port;
});

after(async () => {
  await stopServers(servers);
  await rm(root, { recursive: true, force: true });
});

test("k8ts token create|list|delete and the join command", async () => {
  const s1 = servers[0]!;
  const env = { KUBECONFIG: s1.kubeconfig };
  const created = await k8ts(
    ["token", "create", "--control-plane", "--print-join-command", "--ttl", "1h"],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  const m =
    /^k8ts server --server (\S+) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})$/.exec(
      created.stdout.trim(),
    );
  assert.ok(m, created.stdout);
  assert.equal(m[1], s1.url);
  joinArgs = ["--server", m[1]!, "--token", m[2]!, "--discovery-token-ca-cert-hash", m[3]!];

  const other = await k8ts(["token", "create", "--description", "agents", "--ttl", "0"], env);
  assert.equal(other.code, 0, other.stderr);
  const list = await k8ts(["token", "list"], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${m[2]!.replace(".", "\\.")}\\s+(59m|1h)\\s`, "m"));
  assert.match(
    list.stdout,
    new RegExp(`^${other.stdout.trim().replace(".", "\\.")}\\s+<forever>`, "m"),
  );
  const del = await k8ts(["token", "delete", other.stdout.trim()], env);
  assert.equal(del.code, 0, del.stderr);
  const otherId = other.stdout.trim().split(".")[0]!;
  const gone = await s1.kubectl([
    "get",
    "secret",
    "-n",
    "kube-system",
    `bootstrap-token-${otherId}`,
  ]);
  assert.match(gone.stderr, /NotFound/);
  // The signer may briefly re-add a signature from a stale cache: wait for the settled state.
  await eventually("only the live token's signature in cluster-info", async () => {
    const cm = await s1.kubectl(["get", "cm", "-n", "kube-public", "cluster-info", "-o", "json"]);
    const data = JSON.parse(cm.stdout).data as Record<string, string>;
    return data[`jws-kubeconfig-${m[2]!.split(".")[0]}`] &&
      data[`jws-kubeconfig-${otherId}`] === undefined
      ? true
      : undefined;
  });
});

test("tokens made with kubectl: signed by the bootstrapsigner, deleted by the tokencleaner once expired", async () => {
  const s1 = servers[0]!;
  const secretOf = (id: string) => `${id}0123456789`;
  const make = (id: string, extra: string[]) =>
    s1.kubectl([
      "create",
      "secret",
      "generic",
      `bootstrap-token-${id}`,
      "-n",
      "kube-system",
      "--type",
      "bootstrap.kubernetes.io/token",
      `--from-literal=token-id=${id}`,
      `--from-literal=token-secret=${secretOf(id)}`,
      "--from-literal=usage-bootstrap-signing=true",
      "--from-literal=usage-bootstrap-authentication=true",
      ...extra,
    ]);
  for (const [id, extra] of [
    ["kctl01", []],
    ["kctl02", ["--from-literal=expiration=2020-01-01T00:00:00Z"]],
  ] as const) {
    const r = await make(id, [...extra]);
    assert.equal(r.code, 0, r.stderr);
  }
  const clusterInfo = async () =>
    JSON.parse(
      (await s1.kubectl(["get", "cm", "-n", "kube-public", "cluster-info", "-o", "json"])).stdout,
    ).data as Record<string, string>;
  const data = await eventually("kctl01 signed", async () => {
    const d = await clusterInfo();
    return d["jws-kubeconfig-kctl01"] ? d : undefined;
  });
  assert.ok(
    verifyDetached(data.kubeconfig!, data["jws-kubeconfig-kctl01"]!, {
      id: "kctl01",
      secret: secretOf("kctl01"),
    }),
  );
  await eventually("expired kctl02 deleted", async () => {
    const r = await s1.kubectl(["get", "secret", "-n", "kube-system", "bootstrap-token-kctl02"]);
    return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
  });
  assert.equal((await clusterInfo())["jws-kubeconfig-kctl02"], undefined);
  const del = await s1.kubectl(["delete", "secret", "-n", "kube-system", "bootstrap-token-kctl01"]);
  assert.equal(del.code, 0, del.stderr);
  await eventually("kctl01's signature removed", async () =>
    (await clusterInfo())["jws-kubeconfig-kctl01"] === undefined ? true : undefined,
  );
});

test("joining with a wrong token, a wrong CA hash or a node-only token is refused", async () => {
  const s1 = servers[0]!;
  const nodeOnly = await k8ts(["token", "create"], { KUBECONFIG: s1.kubeconfig });
  assert.equal(nodeOnly.code, 0, nodeOnly.stderr);
  const cases: { name: string; args: string[]; want: RegExp }[] = [
    {
      name: "unknown token",
      args: ["--server", s1.url, "--token", "abcdef.0123456789abcdef"],
      want: /refused the token/,
    },
    {
      name: "wrong CA hash",
      args: [...joinArgs.slice(0, 4), "--discovery-token-ca-cert-hash", `sha256:${"0".repeat(64)}`],
      want: /CA hash/,
    },
    {
      name: "node-only token",
      args: ["--server", s1.url, "--token", nodeOnly.stdout.trim()],
      want: /may not join control-plane servers/,
    },
  ];
  // The refused joins are independent: run them side by side.
  const results = await Promise.all(
    cases.map(async (c) => {
      const dir = join(root, `bad-${c.name.replace(/\W/g, "-")}`);
      return k8ts([
        "server",
        "--disable-agent",
        "--data-dir",
        dir,
        "--secure-port",
        "0",
        "--node-name",
        "intruder",
        ...c.args,
      ]);
    }),
  );
  for (const [i, c] of cases.entries()) {
    assert.notEqual(results[i]!.code, 0, c.name);
    assert.match(results[i]!.stderr, c.want, c.name);
  }
  const members = await k8ts(["etcd", "member", "list", "--data-dir", s1.dataDir]);
  assert.equal(members.stdout.trim().split("\n").length, 2, members.stdout);
});

test("etcd snapshot save, wipe, restore: the server serves exactly the objects of the snapshot", async () => {
  const s1 = servers[0]!;
  const snapshotFile = join(root, "before.snap");
  const c = await s1.kubectl(["create", "configmap", "before-snapshot"]);
  assert.equal(c.code, 0, c.stderr);
  const snap = await k8ts(["etcd", "snapshot", "save", snapshotFile, "--data-dir", s1.dataDir]);
  assert.equal(snap.code, 0, snap.stderr);
  assert.match(snap.stdout, /Snapshot saved at .* \(\d+ bytes, revision \d+\)/);
  const late = await s1.kubectl(["create", "configmap", "after-snapshot"]);
  assert.equal(late.code, 0, late.stderr);
  await s1.kill("SIGTERM");
  const restored = await k8ts([
    "etcd",
    "snapshot",
    "restore",
    snapshotFile,
    "--data-dir",
    s1.dataDir,
  ]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /Previous data kept at /);
  const again = await startHaServer(s1.name, s1.dataDir, ["--cluster-init", "--etcd", "managed"], {
    host: HOST,
    port,
  });
  servers.push(again);
  const r = await again.kubectl(["get", "configmaps", "-o", "name"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^configmap\/before-snapshot$/m);
  assert.doesNotMatch(r.stdout, /after-snapshot/);
  const members = await k8ts(["etcd", "member", "list", "--data-dir", s1.dataDir]);
  assert.equal(members.stdout.trim().split("\n").length, 2, members.stdout);
});

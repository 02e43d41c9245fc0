import { createServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureClusterPki } from "../pki/self-signed.ts";
import { ensureEtcdMemberPki } from "./etcd-pki.ts";
import { loadOrCreateMemberConfig, peerUrl } from "./etcd-member-config.ts";
import {
  EtcdPortInUseError,
  etcdArgs,
  ManagedEtcd,
  memberHealthy,
  portInUse,
} from "./managed-etcd.ts";
import { listMembers, withEtcd } from "./etcd-membership.ts";

const exited = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

test("managed etcd: TLS member with client/peer cert auth, restarted when killed", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-managed-etcd-"));
  let etcd: ManagedEtcd | undefined;
  try {
    await ensureClusterPki(join(dataDir, "tls"));
    const member = await loadOrCreateMemberConfig(dataDir, { name: "m1" });
    assert.deepEqual(await loadOrCreateMemberConfig(dataDir, { name: "other" }), member);
    const pki = await ensureEtcdMemberPki(join(dataDir, "tls"), "m1");
    const opts = {
      dataDir,
      member,
      pki,
      initialCluster: `m1=${peerUrl(member)}`,
      initialClusterState: "new" as const,
    };
    const args = etcdArgs(opts);
    for (const flag of [
      "--client-cert-auth=true",
      "--peer-client-cert-auth=true",
      `--trusted-ca-file=${pki.caFile}`,
      "--snapshot-count=10000",
      `--initial-cluster=m1=${peerUrl(member)}`,
    ])
      assert.ok(args.includes(flag), flag);
    etcd = new ManagedEtcd(opts);
    await etcd.start();
    const first = etcd.pid!;
    const tls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
    const members = await withEtcd([etcd.endpoint], tls, listMembers);
    assert.deepEqual(
      members.map((m) => [m.name, m.clientURLs]),
      [["m1", [etcd.endpoint]]],
    );
    // Without a client certificate etcd refuses the connection.
    await assert.rejects(
      memberHealthy(etcd.endpoint, {
        caFile: pki.caFile,
        clientCertFile: join(dataDir, "tls", "apiserver.crt"),
        clientKeyFile: join(dataDir, "tls", "apiserver.key"),
      }),
    );
    process.kill(first, "SIGKILL");
    while (etcd.restarts === 0 || etcd.pid === undefined || etcd.pid === first)
      await new Promise((r) => setTimeout(r, 100));
    await etcd.waitHealthy(30_000);
    assert.equal(etcd.restarts, 1);
    const second = etcd.pid!;
    await etcd.stop();
    assert.ok(exited(second));
  } finally {
    await etcd?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("etcd's bind failure is recognised in its log", () => {
  const line =
    '{"level":"fatal","msg":"discovery failed","error":"listen tcp 127.0.0.1:35087: bind: address already in use"}';
  assert.equal(portInUse(`other\n${line}\n`), "127.0.0.1:35087");
  assert.equal(portInUse('{"msg":"listen tcp 127.0.0.1:1: bind: permission denied"}'), undefined);
});

test("managed etcd: a port taken before etcd binds it fails the start (failOnPortInUse), no restart", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-managed-etcd-"));
  // Holds the port; connections to it (the start's health checks) are closed at once.
  const holder = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
  const taken = (holder.address() as AddressInfo).port;
  let etcd: ManagedEtcd | undefined;
  try {
    await ensureClusterPki(join(dataDir, "tls"));
    const member = {
      ...(await loadOrCreateMemberConfig(dataDir, { name: "m1" })),
      clientPort: taken,
    };
    const pki = await ensureEtcdMemberPki(join(dataDir, "tls"), "m1");
    etcd = new ManagedEtcd({
      dataDir,
      member,
      pki,
      initialCluster: `m1=${peerUrl(member)}`,
      initialClusterState: "new",
      failOnPortInUse: true,
    });
    const err = await etcd.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof EtcdPortInUseError, String(err));
    // The held client port (or, should anyone take the free peer port meanwhile, that one).
    assert.ok(
      [`127.0.0.1:${taken}`, `127.0.0.1:${member.peerPort}`].includes(err.address),
      err.address,
    );
    assert.equal(etcd.restarts, 0);
    assert.equal(etcd.pid, undefined);
  } finally {
    await etcd?.stop();
    await new Promise((r) => holder.close(r));
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("managed etcd: a healthy answer after etcd exited (someone else on its port) is not a start", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-managed-etcd-"));
  let etcd: ManagedEtcd | undefined;
  let impostor: ReturnType<typeof createHttpsServer> | undefined;
  try {
    await ensureClusterPki(join(dataDir, "tls"));
    const pki = await ensureEtcdMemberPki(join(dataDir, "tls"), "m1");
    // Another member of the same CA holds the client port and says it is healthy; it answers
    // once our etcd has exited, which it does when the first health check arrives.
    const go = join(dataDir, "go");
    impostor = createHttpsServer(
      { cert: await readFile(pki.serverCertFile), key: await readFile(pki.serverKeyFile) },
      async (_req, res) => {
        await writeFile(go, "");
        while (etcd?.pid !== undefined) await new Promise((r) => setTimeout(r, 10));
        res.end('{"health":"true","reason":""}');
      },
    );
    await new Promise<void>((r) => impostor!.listen(0, "127.0.0.1", r));
    const clientPort = (impostor.address() as AddressInfo).port;
    const member = { ...(await loadOrCreateMemberConfig(dataDir, { name: "m1" })), clientPort };
    // An etcd that fails to bind its client port, as etcd logs it.
    const binary = join(dataDir, "fake-etcd");
    const line = `{"level":"fatal","error":"listen tcp 127.0.0.1:${clientPort}: bind: address already in use"}`;
    await writeFile(
      binary,
      `#!/bin/sh\nwhile [ ! -e '${go}' ]; do sleep 0.05; done\necho '${line}' >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    etcd = new ManagedEtcd({
      dataDir,
      member,
      pki,
      initialCluster: `m1=${peerUrl(member)}`,
      initialClusterState: "new",
      failOnPortInUse: true,
      binary,
    });
    const err = await etcd.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(existsSync(go), "the health check reached the impostor");
    assert.ok(err instanceof EtcdPortInUseError, `start: ${String(err)}`);
    assert.equal(err.address, `127.0.0.1:${clientPort}`);
    assert.equal(etcd.restarts, 0);
  } finally {
    await etcd?.stop();
    impostor?.closeAllConnections();
    await new Promise((r) => (impostor ? impostor.close(r) : r(undefined)));
    await rm(dataDir, { recursive: true, force: true });
  }
});

import { createServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { etcdDir, type EtcdMemberConfig } from "./etcd-member-config.ts";
import { prepareHaServer, type HaServer } from "./ha-server.ts";

test("a new managed member whose chosen port was taken before etcd bound it starts on other ports", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "k8ts-ha-server-"));
  // Holds the port; connections to it (the start's health checks) are closed at once.
  const holders = [0, 1].map(() => createServer((socket) => socket.destroy()));
  for (const h of holders) await new Promise<void>((r) => h.listen(0, "127.0.0.1", r));
  const [taken, takenPeer] = holders.map((h) => (h.address() as AddressInfo).port);
  let ha: HaServer | undefined;
  try {
    // Ports chosen by an earlier start that never ran etcd; both are taken since (etcd binds
    // its peer port first and fails there; whichever it reports, both are chosen again).
    const chosen: EtcdMemberConfig = {
      name: "m1",
      host: "127.0.0.1",
      clientPort: taken,
      peerPort: takenPeer,
    };
    await mkdir(etcdDir(dataDir), { recursive: true });
    await writeFile(join(etcdDir(dataDir), "member.json"), JSON.stringify(chosen));
    const logged: string[] = [];
    const flags = { clusterInit: true, dataDir, nodeName: "m1" };
    ha = await prepareHaServer(flags, dataDir, (msg) => logged.push(msg));
    assert.ok(ha?.etcd?.pid, "etcd runs");
    assert.ok(
      logged.includes("etcd port taken before etcd bound it; choosing others"),
      `${logged}`,
    );
    const member = JSON.parse(
      await readFile(join(etcdDir(dataDir), "member.json"), "utf8"),
    ) as EtcdMemberConfig;
    assert.notEqual(member.clientPort, taken);
    assert.notEqual(member.peerPort, takenPeer);
    assert.equal(ha.etcd.endpoint, `https://127.0.0.1:${member.clientPort}`);
    assert.equal((flags as { datastoreEndpoint?: string }).datastoreEndpoint, ha.etcd.endpoint);
  } finally {
    await ha?.stop();
    for (const h of holders) await new Promise((r) => h.close(r));
    await rm(dataDir, { recursive: true, force: true });
  }
});

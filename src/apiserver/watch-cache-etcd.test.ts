/**
 * Consistent LISTs (resourceVersion unset) from the watch cache on a real
 * etcd, as upstream's ConsistentListFromCache: the server reads etcd's
 * current revision and waits for the cache to reach it through watch
 * progress notifications; without trusted notifications (etcd before
 * v3.4.31 / v3.5.13, or watchProgress "off") consistent lists read etcd.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EtcdBackend, progressNotifyIsOrdered } from "../storage/drivers/etcd.ts";
import { startEtcd, type EtcdProcess } from "../storage/testing/etcd-process.ts";
import { startTestServer } from "./testing/test-server.ts";

const NS = "/api/v1/namespaces/default/configmaps";
const names = (body: { items: { metadata: { name: string } }[] }) =>
  body.items.map((i) => i.metadata.name);

test("progress notifications are trusted from etcd v3.4.31 and v3.5.13 on", () => {
  const cases: [string, boolean][] = [
    ["3.4.23", false],
    ["3.4.31", true],
    ["3.5.12", false],
    ["3.5.13", true],
    ["3.5.17", true],
    ["3.6.0", true],
    ["3.3.27", false],
    ["3.6.0-rc.1", true],
  ];
  for (const [version, want] of cases)
    assert.equal(progressNotifyIsOrdered(version), want, version);
});

describe("consistent lists on etcd", () => {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  test('"auto" trusts progress notifications per the running etcd version', async () => {
    const backend = new EtcdBackend({ endpoints: etcd.endpoints, compactIntervalMs: 0 });
    await backend.start();
    try {
      const { stdout } = await promisify(execFile)("etcd", ["--version"]);
      const version = /etcd Version: (\S+)/.exec(stdout)?.[1] ?? "";
      assert.equal(await backend.watchProgressSupported(), progressNotifyIsOrdered(version));
    } finally {
      await backend.close();
    }
  });

  const modes: ["on" | "off", boolean][] = [
    ["on", true],
    ["off", false],
  ];
  for (const [mode, fromCache] of modes) {
    test(`watchProgress "${mode}": every acknowledged write is listed; storage read: ${!fromCache}`, async () => {
      const backend = new EtcdBackend({
        endpoints: etcd.endpoints,
        compactIntervalMs: 0,
        watchProgress: mode,
      });
      await backend.start();
      const storageLists: string[] = [];
      const list = backend.list.bind(backend);
      backend.list = (prefix, opts) => {
        storageLists.push(prefix);
        return list(prefix, opts);
      };
      const keyLists: string[] = [];
      const listKeys = backend.listKeys.bind(backend);
      backend.listKeys = (prefix, opts) => {
        keyLists.push(prefix);
        return listKeys(prefix, opts);
      };
      const t = await startTestServer({ backend });
      try {
        const first = await t.call("GET", NS);
        assert.equal(first.status, 200, first.text);
        for (let i = 0; i < 4; i++) {
          storageLists.length = 0;
          keyLists.length = 0;
          const name = `${mode}-${i}`;
          const created = await t.call("POST", NS, { metadata: { name }, data: { i: `${i}` } });
          assert.equal(created.status, 201, created.text);
          // A write elsewhere: etcd's revision moves past the configmaps' last event,
          // so only a progress notification can tell the cache it is current.
          const other = await backend.create(`/registry/h4-other/${mode}-${i}`, "{}");
          const r = await t.call("GET", `${NS}?fieldSelector=metadata.name%3D${name}`);
          assert.equal(r.status, 200, r.text);
          assert.deepEqual(names(r.body), [name]);
          const rv = Number(r.body.metadata.resourceVersion);
          assert.ok(rv >= Number(created.body.metadata.resourceVersion), `${rv}`);
          if (fromCache) assert.ok(rv >= other.modRevision, `${rv} < ${other.modRevision}`);
          // Storage reads: one list (no cache running here), or with a running cache a list of
          // the keys and one of the values the cache lacked, if any.
          const reads = [...keyLists, ...storageLists].filter((p) =>
            p.startsWith("/registry/configmaps/"),
          );
          if (fromCache) assert.deepEqual(reads, []);
          else {
            assert.ok(reads.length === 1 || reads.length === 2, `${reads}`);
            assert.ok(
              reads.every((p) => p === "/registry/configmaps/default/"),
              `${reads}`,
            );
          }
        }
      } finally {
        await t.close();
        await backend.close();
      }
    });
  }
  test("storage LISTs take the cache's values of the listed versions and read only the others", async () => {
    const backend = new EtcdBackend({
      endpoints: etcd.endpoints,
      compactIntervalMs: 0,
      watchProgress: "off",
    });
    await backend.start();
    const valueReads: string[] = [];
    const list = backend.list.bind(backend);
    backend.list = (prefix, opts) => {
      // Only this namespace's configmaps (other resources' caches may list meanwhile).
      if (prefix === "/registry/configmaps/keyed/") valueReads.push(prefix);
      return list(prefix, opts);
    };
    const t = await startTestServer({ backend });
    const path = "/api/v1/namespaces/keyed/configmaps";
    try {
      assert.equal(
        (await t.call("POST", "/api/v1/namespaces", { metadata: { name: "keyed" } })).status,
        201,
      );
      for (let i = 0; i < 20; i++) {
        const r = await t.call("POST", path, {
          metadata: { name: `cm-${i}` },
          data: { i: `${i}` },
        });
        assert.equal(r.status, 201, r.text);
      }
      // The cache holds all 20 once a resourceVersion=0 list (served from it) shows them.
      for (
        let i = 0;
        (await t.call("GET", `${path}?resourceVersion=0`)).body.items.length < 20;
        i++
      ) {
        assert.ok(i < 3000, "the cache never caught up");
        await new Promise((r) => setTimeout(r, 10));
      }
      valueReads.length = 0;
      const listed = await t.call("GET", path);
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.body.items.length, 20);
      assert.deepEqual(valueReads, []);
      // Written behind the server's back: the next LIST must show it (a consistent read),
      // whether or not the cache has its event yet.
      const key = "/registry/configmaps/keyed/cm-7";
      const cur = (await backend.get(key)).kv!;
      const changed = JSON.parse(cur.value) as { data: Record<string, string> };
      changed.data.i = "seven";
      const written = await backend.update(key, JSON.stringify(changed), cur.modRevision);
      const after = await t.call("GET", path);
      assert.equal(after.status, 200, after.text);
      const cm7 = after.body.items.find(
        (i: { metadata: { name: string } }) => i.metadata.name === "cm-7",
      );
      assert.deepEqual(
        [cm7.data.i, cm7.metadata.resourceVersion],
        ["seven", String(written.modRevision)],
      );
      assert.ok(Number(after.body.metadata.resourceVersion) >= written.modRevision);
      assert.ok(valueReads.length <= 1, `${valueReads}`);
    } finally {
      await t.close();
      await backend.close();
    }
  });
});

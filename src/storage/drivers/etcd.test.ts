import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { getEventListeners } from "node:events";
import { createServer, type AddressInfo, type Server } from "node:net";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { backendConformance } from "../conformance.ts";
import { isStorageError } from "../errors.ts";
import { startEtcd, type EtcdProcess } from "../testing/etcd-process.ts";
import { uniquePrefix, WatchReader } from "../testing/watch-reader.ts";
import { newEtcdRpc } from "./etcd-client.ts";
import { compactRound, type CompactorState } from "./etcd-compactor.ts";
import { prefixRange } from "./etcd-kv.ts";
import { EtcdBackend, type EtcdBackendOptions } from "./etcd.ts";

const run = promisify(execFile);

/** Starts a backend on opts, registering it for close in cleanup. */
async function open(opts: EtcdBackendOptions): Promise<EtcdBackend> {
  const b = new EtcdBackend(opts);
  await b.start();
  return b;
}

/**
 * Retries fn while it fails with Unavailable (the client reconnecting after
 * an etcd restart), pausing 100 ms between tries, at most 100 tries.
 */
async function untilAvailable<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isStorageError(err, "Unavailable") || attempt >= 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("EtcdBackend on a real etcd", () => {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await startEtcd({ clientListeners: 2 });
  });
  after(async () => {
    await etcd?.stop();
  });

  backendConformance(async () => {
    const backend = await open({ endpoints: etcd.endpoints });
    return { backend, cleanup: () => backend.close() };
  });

  test("stores keys and JSON values as given, so etcdctl shows them", async () => {
    const b = await open({ endpoints: [etcd.endpoints[0]!] });
    try {
      const key = `/registry/configmaps/default/cm-${process.pid}`;
      const value = JSON.stringify({ kind: "ConfigMap", metadata: { name: "cm" } });
      await b.create(key, value);
      const { stdout } = await run(
        "etcdctl",
        [`--endpoints=${etcd.endpoints[0]}`, "get", "--prefix", "/registry/"],
        {
          env: { ...process.env, ETCDCTL_API: "3" },
        },
      );
      assert.deepEqual(stdout.trim().split("\n"), [key, value]);
    } finally {
      await b.close();
    }
  });

  const endpointCases: Array<[string, () => Promise<string[]>]> = [
    ["two listeners of one member", async () => etcd.endpoints],
    [
      "a closed port and a live listener",
      // Port 1: nothing listens there (a just-released free port could be taken meanwhile).
      async () => ["http://127.0.0.1:1", etcd.endpoints[1]!],
    ],
  ];
  // Accepts TCP connections and drops them at once (a member going away mid-handshake).
  let dropper: Server | undefined;
  after(() => dropper?.close());
  endpointCases.push([
    "a listener that drops every connection and a live listener",
    async () => {
      dropper = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => dropper!.listen(0, "127.0.0.1", resolve));
      return [`http://127.0.0.1:${(dropper.address() as AddressInfo).port}`, etcd.endpoints[1]!];
    },
  ]);
  for (const [name, endpoints] of endpointCases) {
    test(`serves reads, writes and watches across endpoints: ${name}`, async () => {
      const b = await open({ endpoints: await endpoints() });
      try {
        const p = uniquePrefix("endpoints");
        const w = b.watch(p, { startRevision: 0 });
        const written = [];
        for (let i = 0; i < 20; i++) written.push(await b.create(`${p}${i}`, `${i}`));
        assert.equal((await b.count(p)).count, 20);
        const events = await new WatchReader(w).take(20);
        assert.deepEqual(
          events.map((e) => e.kv),
          written,
        );
        w.cancel();
      } finally {
        await b.close();
      }
    });
  }

  test("listKeys: list's keys, revisions and pages without values; count reads no values", async () => {
    const b = await open({ endpoints: etcd.endpoints });
    const rpc = await newEtcdRpc({ endpoints: etcd.endpoints });
    try {
      const p = uniquePrefix("keys-only");
      for (let i = 0; i < 6; i++) await b.create(`${p}${i}`, `{"i":${i}}`);
      await b.update(`${p}2`, '{"i":"two"}', (await b.get(`${p}2`)).kv!.modRevision);
      const blank = (kvs: { value: string }[]) => kvs.map((kv) => ({ ...kv, value: "" }));
      const cases = [{}, { limit: 4 }, { limit: 2, after: `${p}1` }];
      for (const opts of cases) {
        const full = await b.list(p, opts);
        const keys = await b.listKeys(p, { ...opts, revision: full.revision });
        assert.deepEqual(keys, { ...full, kvs: blank(full.kvs) }, JSON.stringify(opts));
      }
      const [start, end] = prefixRange(p);
      const counted = await rpc.range({ key: start, rangeEnd: end, countOnly: true });
      assert.deepEqual([counted.count, counted.kvs.length], [6, 0]);
    } finally {
      rpc.close();
      await b.close();
    }
  });

  test("TTLs share one lease per TTL and each key still expires", async () => {
    const b = await open({ endpoints: etcd.endpoints });
    try {
      const p = uniquePrefix("lease");
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => b.create(`${p}${i}`, "v", { ttlSeconds: 1 })),
      );
      const { stdout } = await run(
        "etcdctl",
        [`--endpoints=${etcd.endpoints[0]}`, "get", "--prefix", p, "-w", "json"],
        {
          env: { ...process.env, ETCDCTL_API: "3" },
        },
      );
      const leases = new Set(
        (JSON.parse(stdout).kvs as Array<{ lease: number }>).map((kv) => kv.lease),
      );
      assert.equal(leases.size, 1);
      const w = b.watch(p, { startRevision: 0 });
      const deletes = await new WatchReader(w).take(5);
      w.cancel();
      assert.deepEqual(
        deletes.map((e) => e.type),
        Array(5).fill("DELETE"),
      );
      assert.equal((await b.count(p)).count, 0);
    } finally {
      await b.close();
    }
  });

  test("after etcd is killed and restarted, acknowledged writes remain and watches resume without gaps", async () => {
    const b = await open({ endpoints: etcd.endpoints });
    try {
      const p = uniquePrefix("restart");
      const w = b.watch(p, { startRevision: 0 });
      const reader = new WatchReader(w);
      const before = [];
      for (let i = 0; i < 5; i++) before.push(await b.create(`${p}a${i}`, `${i}`));
      await etcd.restart();
      const after = [await untilAvailable(() => b.create(`${p}b0`, "0"))];
      for (let i = 1; i < 5; i++) after.push(await b.create(`${p}b${i}`, `${i}`));
      assert.deepEqual((await b.list(p)).kvs, [...before, ...after]);
      const events = await reader.take(10);
      w.cancel();
      assert.deepEqual(
        events.map((e) => e.kv),
        [...before, ...after],
      );
    } finally {
      await b.close();
    }
  });

  test("watchers of one prefix share a feed only when it has not passed their start", async () => {
    const b = await open({ endpoints: etcd.endpoints });
    try {
      const p = uniquePrefix("feeds");
      const live = new WatchReader(b.watch(p, { startRevision: 0 }));
      const first = await b.create(`${p}1`, "1");
      const second = await b.create(`${p}2`, "2");
      assert.deepEqual(await live.take(2), [
        { type: "PUT", kv: first },
        { type: "PUT", kv: second },
      ]);
      // The live feed is past first: a watcher from there needs a replaying feed of its own.
      const replay = new WatchReader(b.watch(p, { startRevision: first.modRevision }));
      const late = new WatchReader(b.watch(p, { startRevision: 0 }));
      const third = await b.create(`${p}3`, "3");
      assert.deepEqual(
        (await replay.take(3)).map((e) => e.kv),
        [first, second, third],
      );
      assert.deepEqual(await live.take(1), [{ type: "PUT", kv: third }]);
      assert.deepEqual(await late.take(1), [{ type: "PUT", kv: third }]);
    } finally {
      await b.close();
    }
  });

  test("compaction rounds compact to the previous round's revision; one client wins each round", async () => {
    const clients = [
      await newEtcdRpc({ endpoints: etcd.endpoints }),
      await newEtcdRpc({ endpoints: etcd.endpoints }),
    ];
    const b = await open({ endpoints: etcd.endpoints });
    try {
      let a: CompactorState = { version: 0, revision: 0 };
      let other: CompactorState = { version: 0, revision: 0 };
      // Start from wherever earlier rounds on this etcd left the key.
      a = await compactRound(clients[0]!, a);
      a = await compactRound(clients[0]!, a);
      const marker = await b.create(`${uniquePrefix("compact")}k`, "v");
      const before = await b.compactedRevision();
      const r1 = await compactRound(clients[0]!, a);
      assert.equal(r1.version, a.version + 1);
      assert.ok(r1.revision >= marker.modRevision);
      assert.equal(await b.compactedRevision(), Math.max(before, a.revision));
      // The other client loses its round and adopts the winner's version.
      other = await compactRound(clients[1]!, other);
      assert.equal(other.version, r1.version);
      const r2 = await compactRound(clients[0]!, r1);
      assert.equal(await b.compactedRevision(), r1.revision);
      assert.equal(r2.version, r1.version + 1);
    } finally {
      for (const c of clients) c.close();
      await b.close();
    }
  });

  test("watchers sharing an AbortSignal remove their abort listeners when they end", async () => {
    const b = await open({ endpoints: etcd.endpoints });
    try {
      const ac = new AbortController();
      const p = uniquePrefix("signal");
      const ws = Array.from({ length: 20 }, () =>
        b.watch(p, { startRevision: 0, signal: ac.signal }),
      );
      assert.equal(getEventListeners(ac.signal, "abort").length, 20);
      for (const w of ws.slice(0, 10)) w.cancel();
      assert.equal(getEventListeners(ac.signal, "abort").length, 10);
      ac.abort();
      assert.equal(getEventListeners(ac.signal, "abort").length, 0);
      await new WatchReader(ws[19]!).expectEnd();
    } finally {
      await b.close();
    }
  });

  test("a closed backend refuses calls with Unavailable", async () => {
    const b = await open({ endpoints: etcd.endpoints });
    await b.close();
    await assert.rejects(b.get("/x"), (err) => isStorageError(err, "Unavailable"));
  });
});

describe("EtcdBackend over TLS with client certificates", () => {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await startEtcd({ tls: true });
  });
  after(async () => {
    await etcd?.stop();
  });

  test("connects with the client certificate", async () => {
    const b = await open({
      endpoints: etcd.endpoints,
      caFile: etcd.caFile,
      certFile: etcd.certFile,
      keyFile: etcd.keyFile,
    });
    try {
      const kv = await b.create("/registry/tls/probe", "{}");
      assert.deepEqual((await b.get("/registry/tls/probe")).kv, kv);
    } finally {
      await b.close();
    }
  });

  const refused: Array<[string, () => EtcdBackendOptions]> = [
    [
      "without a client certificate",
      () => ({ endpoints: etcd.endpoints, caFile: etcd.caFile, requestTimeoutMs: 5000 }),
    ],
    [
      "over plain http",
      () => ({
        endpoints: etcd.endpoints.map((e) => e.replace("https:", "http:")),
        requestTimeoutMs: 5000,
      }),
    ],
  ];
  for (const [name, opts] of refused) {
    test(`is refused ${name}`, async () => {
      const b = new EtcdBackend(opts());
      await assert.rejects(b.start(), (err) => isStorageError(err, "Unavailable"));
      await b.close();
    });
  }
});

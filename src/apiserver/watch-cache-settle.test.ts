import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { KObject } from "../api/types.ts";
import { FakeClock } from "../client/clock.ts";
import type { ResourceDef } from "../api/types.ts";
import { compactDecoded, SHARED_FIELDS_LEAF } from "./watch-cache-compact.ts";
import { FieldsTreeTable, newSettleTables, settleDecoded } from "./watch-cache-settle.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { SETTLE_AFTER_MS, WatchCacheStore } from "./watch-cache-store.ts";
import { WatchCache } from "./watch-cache.ts";

/** A pod of one template: the same managedFields trees but for its own podIP entry. */
const pod = (name: string, ip: string): KObject => {
  const obj = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [
        {
          manager: "kube-controller-manager",
          operation: "Update",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
            "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {} } } },
          },
        },
        {
          manager: "kubelet",
          operation: "Update",
          subresource: "status",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:status": {
              "f:conditions": { ".": {}, 'k:{"type":"Ready"}': { ".": {}, "f:status": {} } },
              "f:podIPs": { ".": {}, [`k:{"ip":"${ip}"}`]: { ".": {}, "f:ip": {} } },
            },
          },
        },
      ],
    },
    spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    status: { phase: "Running", podIP: ip },
  } as KObject;
  compactDecoded(obj);
  return obj;
};

const fields = (obj: KObject, i: number) =>
  (obj.metadata!.managedFields![i] as { fieldsV1: Record<string, Record<string, unknown>> })
    .fieldsV1;

test("settled pods share equal fieldsV1 subtrees, frozen, and serialize as before", () => {
  const tables = newSettleTables();
  const a = pod("a", "10.0.0.1");
  const b = pod("b", "10.0.0.2");
  const before = [JSON.stringify(a), JSON.stringify(b)];
  settleDecoded(a, tables);
  settleDecoded(b, tables);
  assert.deepEqual([JSON.stringify(a), JSON.stringify(b)], before);
  // The controller's entries are equal: one tree for both.
  assert.equal(fields(a, 0), fields(b, 0));
  assert.ok(Object.isFrozen(fields(a, 0)));
  // The kubelet's differ by the podIPs entry: only the equal subtree is shared.
  assert.notEqual(fields(a, 1), fields(b, 1));
  assert.equal(
    fields(a, 1)["f:status"]!["f:conditions"],
    fields(b, 1)["f:status"]!["f:conditions"],
  );
  assert.notEqual(fields(a, 1)["f:status"]!["f:podIPs"], fields(b, 1)["f:status"]!["f:podIPs"]);
  // Idempotent.
  settleDecoded(a, tables);
  assert.equal(JSON.stringify(a), before[0]);
});

test("frozen objects, frozen entries and malformed trees are left as they are", () => {
  const tables = newSettleTables();
  const frozen = Object.freeze(pod("f", "10.0.0.3"));
  settleDecoded(frozen, tables);
  assert.ok(!Object.isFrozen(fields(frozen, 0)));

  const odd = pod("o", "10.0.0.4");
  (odd.metadata!.managedFields![0] as { fieldsV1: unknown }).fieldsV1 = { "f:x": [{}], "f:y": {} };
  (odd.metadata!.managedFields![1] as { fieldsV1: unknown }).fieldsV1 = "not an object";
  const text = JSON.stringify(odd);
  settleDecoded(odd, tables);
  assert.equal(JSON.stringify(odd), text);
  assert.ok(!Object.isFrozen(fields(odd, 0)));
});

test("the tree table starts over past its capacity; trees already shared stay shared", () => {
  const table = new FieldsTreeTable(4);
  const t = () => ({ "f:a": SHARED_FIELDS_LEAF, "f:b": { "f:c": SHARED_FIELDS_LEAF } });
  const first = table.share(t());
  assert.equal(table.share(t()), first);
  for (let i = 0; i < 10; i++) table.share({ [`f:u${i}`]: SHARED_FIELDS_LEAF });
  assert.ok(table.size <= 5);
  // A tree shared before the table started over is still recognised as shared.
  assert.equal(table.share(first as Record<string, unknown>), first);
  assert.ok(Object.isFrozen(first));
  // The new table shares equal trees again.
  const again = table.share(t());
  assert.equal(table.share(t()), again);
});

test("the store settles elements still current settleAfterMs after they were stored", () => {
  const clock = new FakeClock();
  const store = new WatchCacheStore(clock);
  const def = { resource: "pods" } as ResourceDef;
  const put = (name: string, rev: number) => {
    const obj = pod(name, `10.0.0.${rev}`);
    const el = store.put({
      key: `/r/pods/${name}`,
      value: JSON.stringify(obj),
      createRevision: 1,
      modRevision: rev,
    });
    WatchCacheStore.adopt(el, def, obj);
    return obj;
  };
  const a1 = put("a", 1);
  const b = put("b", 2);
  assert.equal(store.settle(10, 1000), clock.now() + 1000, "nothing due yet");
  assert.ok(!Object.isFrozen(fields(b, 0)));
  clock.advance(500);
  const a2 = put("a", 3); // a1 is replaced before it is due
  clock.advance(500);
  assert.equal(store.settle(10, 1000), clock.now() + 500, "a2 is due in 500 ms");
  assert.ok(Object.isFrozen(fields(b, 0)));
  assert.ok(!Object.isFrozen(fields(a1, 0)), "a replaced version is not settled");
  clock.advance(500);
  assert.equal(store.settle(10, 1000), undefined);
  assert.equal(fields(a2, 0), fields(b, 0));
  assert.equal(store.unsettled, 0);
});

test("a settle batch stops at max elements and says more is due now", () => {
  const clock = new FakeClock();
  const store = new WatchCacheStore(clock);
  const def = { resource: "pods" } as ResourceDef;
  for (let i = 0; i < 5; i++) {
    const obj = pod(`p${i}`, `10.0.0.${i}`);
    const el = store.put({
      key: `/r/pods/p${i}`,
      value: "{}",
      createRevision: 1,
      modRevision: i + 1,
    });
    WatchCacheStore.adopt(el, def, obj);
  }
  clock.advance(1000);
  assert.equal(store.settle(2, 1000), clock.now());
  assert.equal(store.unsettled, 3);
  assert.equal(store.settle(10, 1000), undefined);
});

test("a WatchCache settles the pods it holds SETTLE_AFTER_MS after their last write", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-watchcache-settle-"));
  const backend = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  const clock = new FakeClock(0);
  const cache = new WatchCache({ backend, prefix: "/registry/pods/", clock });
  try {
    await cache.ensureStarted();
    const def = { resource: "pods" } as ResourceDef;
    const decode = (kv: { value: string }) => {
      const obj = JSON.parse(kv.value) as KObject;
      compactDecoded(obj);
      return obj;
    };
    const objects: KObject[] = [];
    for (const [name, ip] of [
      ["a", "10.0.0.1"],
      ["b", "10.0.0.2"],
    ] as const) {
      const kv = await backend.create(
        `/registry/pods/default/${name}`,
        JSON.stringify(pod(name, ip)),
      );
      // The in-process storage watch delivers in microtasks; wait for the condition, not a time.
      for (let i = 0; i < 2000 && cache.store.get(kv.key)?.modRevision !== kv.modRevision; i++)
        await new Promise((resolve) => setTimeout(resolve, 5));
      objects.push(cache.store.decodedLike(kv, def, decode)!);
    }
    const [a, b] = objects as [KObject, KObject];
    clock.advance(SETTLE_AFTER_MS - 1);
    assert.notEqual(fields(a, 0), fields(b, 0), "not yet");
    clock.advance(1);
    assert.equal(fields(a, 0), fields(b, 0));
    assert.equal(cache.store.unsettled, 0);
  } finally {
    cache.stop();
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
});

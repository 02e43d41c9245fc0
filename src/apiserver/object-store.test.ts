/**
 * ObjectStore's asynchronous conversion contract with a counting in-process
 * batch converter (v1 stored, v2 served; v2 renames spec.a to spec.b): every
 * path awaits it, a list page converts in one call, the synchronous
 * decode refuses, watch-event decodes of one tick share one call and a
 * failure is retried by the next caller, unchanged updates are detected.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KObject, ResourceDef } from "../api/types.ts";
import { SqliteBackend } from "../storage/drivers/sqlite.ts";
import { eventsResources } from "../api/resources/events.ts";
import { FREEZE_ANSWERS, ObjectStore } from "./object-store.ts";

let dir: string;
let backend: SqliteBackend;
let store: ObjectStore;
const calls: { to: string; names: string[] }[] = [];
let failing = false;

function rename(obj: KObject, to: string): KObject {
  const out = structuredClone(obj) as KObject & { spec?: Record<string, unknown> };
  const spec = out.spec ?? {};
  if (to.endsWith("/v2") && "a" in spec) [spec.b, spec.a] = [spec.a, undefined];
  if (to.endsWith("/v1") && "b" in spec) [spec.a, spec.b] = [spec.b, undefined];
  out.spec = JSON.parse(JSON.stringify(spec));
  out.apiVersion = to;
  return out;
}

const def = (version: string): ResourceDef => ({
  group: "ex.test",
  version,
  resource: "things",
  singular: "thing",
  kind: "Thing",
  namespaced: true,
  storage: { group: "ex.test", resource: "ex.test/things", version: "v1" },
  async convertMany(objs, to) {
    await Promise.resolve();
    calls.push({ to, names: objs.map((o) => o.metadata?.name ?? "") });
    if (failing) throw new Error("converter down");
    return objs.map((o) => rename(o, to));
  },
});
const v1 = def("v1");
const v2 = def("v2");
const thing = (name: string, apiVersion: string, spec: Record<string, unknown>): KObject =>
  ({ apiVersion, kind: "Thing", metadata: { name, namespace: "ns" }, spec }) as KObject;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-object-store-"));
  backend = new SqliteBackend({
    path: join(dir, "db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  store = new ObjectStore(backend);
});
after(async () => {
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

test("writes in v2 store v1; reads and lists convert, a page in one call", async () => {
  calls.length = 0;
  const made = await store.create(v2, thing("x", "ex.test/v2", { b: 1 }));
  assert.deepEqual([made.apiVersion, (made as { spec: unknown }).spec], ["ex.test/v2", { b: 1 }]);
  const kv = await store.getKV(v1, "ns", "x");
  assert.equal(JSON.parse(kv!.value).spec.a, 1, "stored in v1");
  await store.create(v1, thing("y", "ex.test/v1", { a: 2 }));
  await store.create(v1, thing("z", "ex.test/v1", { a: 3 }));
  calls.length = 0;
  const page = await store.list(v2, "ns", {});
  assert.deepEqual(
    page.items.map((i) => (i.obj as { spec: { b: number } }).spec.b),
    [1, 2, 3],
  );
  assert.deepEqual(calls, [{ to: "ex.test/v2", names: ["x", "y", "z"] }]);
  assert.throws(() => store.decode(v2, kv!), { reason: "InternalError" });
  assert.equal(store.decode(v1, kv!).apiVersion, "ex.test/v1", "no conversion: sync is fine");
});

test("prepareUpdate: an unchanged object is detected, a change is encoded once", async () => {
  const kv = (await store.getKV(v1, "ns", "y"))!;
  const current = await store.decodeAsync(v2, kv);
  const cases: [Record<string, unknown>, boolean][] = [
    [{ b: 2 }, true],
    [{ b: 5 }, false],
  ];
  for (const [spec, unchanged] of cases) {
    calls.length = 0;
    const next = { ...current, spec } as KObject;
    const prepared = await store.prepareUpdate(v2, next, current, kv.value);
    assert.equal(prepared.unchanged, unchanged, JSON.stringify(spec));
    assert.equal(calls.length, 1, "one conversion to the storage version");
    if (!unchanged) {
      calls.length = 0;
      const updated = await store.update(v2, next, kv.modRevision, prepared.value);
      assert.deepEqual((updated as { spec: unknown }).spec, { b: 5 });
      assert.deepEqual(calls, [{ to: "ex.test/v2", names: ["y"] }], "only the read back");
    }
  }
});

test("shared decodes of one tick convert together; a failed batch is retried per object, a failure later", async () => {
  const kvs = await Promise.all(["x", "y", "z"].map((n) => store.getKV(v1, "ns", n)));
  calls.length = 0;
  failing = true;
  const first = kvs.map((kv) => store.decodeShared(v2, kv!));
  await assert.rejects(first[0]!, /converter down/);
  await Promise.allSettled(first);
  // The batch failed, then each object was tried alone (upstream converts watch events one by one).
  assert.deepEqual(calls, [
    { to: "ex.test/v2", names: ["x", "y", "z"] },
    { to: "ex.test/v2", names: ["x"] },
    { to: "ex.test/v2", names: ["y"] },
    { to: "ex.test/v2", names: ["z"] },
  ]);
  failing = false;
  const again = await Promise.all(kvs.map((kv) => store.decodeShared(v2, kv!)));
  assert.equal(calls.length, 5, "retried in one call");
  const shared = await Promise.all(kvs.map((kv) => store.decodeShared(v2, kv!)));
  assert.equal(calls.length, 5, "remembered once it worked");
  assert.ok(
    shared.every((o, i) => o === again[i]),
    "the same objects for every watcher",
  );
});

test("encode writes what JSON.stringify writes of the object without resourceVersion, whatever its shape", () => {
  const plain: ResourceDef = { ...v1, storage: undefined, convertMany: undefined };
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
      fc.boolean(),
      (rest, metadata, withRv) => {
        const obj = {
          apiVersion: "ex.test/v1",
          kind: "Thing",
          ...rest,
          metadata: withRv ? { ...metadata, resourceVersion: "5" } : metadata,
        } as KObject;
        const { resourceVersion: _rv, ...stored } = obj.metadata!;
        assert.equal(store.encode(plain, obj), JSON.stringify({ ...obj, metadata: stored }));
      },
    ),
  );
});

test("a write's answer is its own decoding when its stored form is plain JSON (frozen in tests), else a copy", async () => {
  const plain: ResourceDef = { ...v1, storage: undefined, convertMany: undefined };
  assert.ok(FREEZE_ANSWERS, "node --test freezes write answers");
  // As RestStore does: encode, announce (decodingOf), store; the event may settle first.
  for (const eventFirst of [true, false]) {
    const obj = thing(`clean-${eventFirst}`, "ex.test/v1", { a: 1, list: [{ b: "c" }] });
    obj.metadata!.managedFields = [{ manager: "m", fieldsV1: { "f:spec": { "f:a": {} } } }];
    const value = store.encode(plain, obj);
    const decoding = store.decodingOf(plain, obj)!;
    // The write's revision: this test's writes are the only ones.
    const revision = (await backend.currentRevision()) + 1;
    const decoded = eventFirst ? decoding.decoded(revision) : undefined;
    const answer = await store.create(plain, obj, value);
    const stored = (await backend.get(`/registry/things/ns/${obj.metadata!.name}`)).kv!;
    assert.equal(stored.modRevision, revision);
    assert.equal(answer, obj, "the answer is the written object");
    const event = decoded ?? decoding.decoded(revision);
    assert.equal(event, answer, "the decoding is the answer itself, not a copy");
    assert.equal(JSON.stringify(answer), JSON.stringify(store.decode(plain, stored)));
    assert.equal(decoding.json!(stored.modRevision), JSON.stringify(answer));
    assert.ok(
      Object.isFrozen(answer) && Object.isFrozen((answer.spec as { list: object[] }).list[0]),
    );
    assert.throws(() => {
      (answer.spec as Record<string, unknown>).a = 2;
    }, TypeError);
  }
  // Not plain JSON (an undefined field): the decoding is a copy as JSON gives it; nothing frozen.
  const odd = thing("odd", "ex.test/v1", { a: 1, gone: undefined });
  const value = store.encode(plain, odd);
  const decoding = store.decodingOf(plain, odd)!;
  const answer = await store.create(plain, odd, value);
  const kv = (await backend.get("/registry/things/ns/odd")).kv!;
  const event = decoding.decoded(kv.modRevision);
  assert.notEqual(event, answer);
  assert.ok(!("gone" in (event.spec as object)), "the copy is JSON's");
  assert.deepEqual(event, store.decode(plain, kv));
  assert.ok(!Object.isFrozen(answer));
});

test("an update announced beside the cache's clean decoding is checked where it differs: shared members are trusted, new ones judged", async () => {
  const plain: ResourceDef = { ...v1, storage: undefined, convertMany: undefined };
  const first = thing("beside", "ex.test/v1", { a: 1, list: [{ b: "c" }] });
  const created = await store.create(plain, first, store.encode(plain, first));
  const known = JSON.parse(JSON.stringify(created)) as KObject;
  const spec = known.spec as Record<string, unknown>;
  // A clean update sharing `list` with known: its own decoding.
  const next = { ...known, spec: { ...spec, a: 2 } };
  store.encode(plain, next);
  const decoding = store.decodingOf(plain, next, known)!;
  assert.equal(decoding.decoded(99), next);
  // An undefined beside the shared members: still a copy as JSON gives it.
  const odd = { ...known, spec: { ...spec, gone: undefined } };
  store.encode(plain, odd);
  const copy = store.decodingOf(plain, odd, known)!.decoded(100);
  assert.notEqual(copy, odd);
  assert.ok(!("gone" in (copy.spec as object)));
  assert.equal((copy.spec as { list: unknown }).list === spec.list, false, "a copy, not shared");
});

test("a write converted through convertShared (events.k8s.io, stored as core/v1) answers its stored form converted back, as a decode does", async () => {
  const events = eventsResources()[0]!;
  const event = (name: string, regarding: Record<string, unknown>): KObject =>
    ({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name, namespace: "ns" },
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "k8ts.io/test",
      reportingInstance: "test-1",
      action: "Binding",
      reason: "Scheduled",
      regarding,
      note: "n",
      type: "Normal",
    }) as KObject;
  const written = async (obj: KObject) => {
    const answer = await store.create(events, obj, store.encode(events, obj));
    const kv = (await backend.get(`/registry/events/ns/${obj.metadata!.name}`)).kv!;
    assert.equal(JSON.parse(kv.value).apiVersion, "v1", "stored as core/v1");
    assert.ok(!("regarding" in JSON.parse(kv.value)), "stored as involvedObject");
    assert.equal(JSON.stringify(answer), JSON.stringify(store.decode(events, kv)));
    return answer;
  };
  const clean = event("clean", { kind: "Pod", name: "p" });
  const answer = await written(clean);
  assert.equal(answer.regarding, clean.regarding, "plain JSON: no parse, values shared");
  // Not plain JSON (an undefined field, a Date): the answer is a decode of the bytes.
  const odd = event("odd", { kind: "Pod", name: undefined, at: new Date(0) });
  const oddAnswer = await written(odd);
  assert.notEqual(oddAnswer.regarding, odd.regarding);
  assert.deepEqual(oddAnswer.regarding, { kind: "Pod", at: "1970-01-01T00:00:00.000Z" });
});

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { findFree, RangeAllocator } from "./range-allocator.ts";
import { clusterIPRange, nodePortRange } from "./service-ranges.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function openBackend(dir?: string): Promise<{ backend: SqliteBackend; dir: string }> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "k8ts-range-test-")));
  if (!dir) dirs.push(d);
  const backend = new SqliteBackend({
    path: join(d, "state.db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  return { backend, dir: d };
}

/** A deterministic random source cycling through the given fractions. */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

test("findFree prefers the dynamic band, then falls back to the static band", () => {
  const bits = new Uint8Array(4); // 32 offsets
  assert.equal(
    findFree(bits, 32, 8, () => 0),
    8,
  );
  assert.equal(
    findFree(bits, 32, 8, () => 0.99),
    31,
  );
  bits.fill(0xff, 1); // offsets 8..31 used
  assert.equal(
    findFree(bits, 32, 8, () => 0.5),
    4,
  );
  bits[0] = 0xff;
  assert.equal(
    findFree(bits, 32, 8, () => 0.5),
    undefined,
  );
  // wraps around within the band
  const wrap = new Uint8Array(4);
  wrap[3] = 0xff; // 24..31 used
  assert.equal(
    findFree(wrap, 32, 8, () => 0.99),
    8,
  );
});

test("allocations persist across a restart and conflicts are reported", async () => {
  const { backend, dir } = await openBackend();
  const ips = new RangeAllocator(
    backend,
    "/registry/ranges/serviceips",
    clusterIPRange("10.43.0.0/24"),
    {
      random: seq(0),
    },
  );
  assert.equal(await ips.allocate("10.43.0.1"), "ok");
  assert.equal(await ips.allocate("10.43.0.1"), "allocated");
  assert.equal(await ips.allocate("10.44.0.1"), "outOfRange");
  const next = await ips.allocateNext();
  assert.equal(next, "10.43.0.17", "dynamic allocation starts above the static band of 16");
  await backend.close();

  const reopened = await openBackend(dir);
  const again = new RangeAllocator(
    reopened.backend,
    "/registry/ranges/serviceips",
    clusterIPRange("10.43.0.0/24"),
    { random: seq(0) },
  );
  assert.deepEqual(await again.used(), ["10.43.0.1", "10.43.0.17"]);
  assert.equal(await again.allocate("10.43.0.17"), "allocated");
  assert.equal(await again.allocateNext(), "10.43.0.18", "never hands out a value twice");
  await again.release(["10.43.0.1", "10.43.0.99"]);
  assert.deepEqual(await again.used(), ["10.43.0.17", "10.43.0.18"]);
  const stored = JSON.parse((await reopened.backend.get("/registry/ranges/serviceips")).kv!.value);
  assert.equal(stored.kind, "RangeAllocation");
  assert.equal(stored.range, "10.43.0.0/24");
  await reopened.backend.close();
});

test("dry runs check and pick without recording", async () => {
  const { backend } = await openBackend();
  const ports = new RangeAllocator(backend, "/p", nodePortRange("30000-30009"), {
    random: seq(0),
  });
  assert.equal(await ports.allocate(30001, true), "ok");
  assert.equal(await ports.allocateNext(true), 30000);
  assert.deepEqual(await ports.used(), []);
  assert.equal((await backend.get("/p")).kv, undefined, "a dry run writes nothing");
  await ports.allocate(30001);
  assert.equal(await ports.allocate(30001, true), "allocated");
  await backend.close();
});

test("two allocators on one store never hand out the same value", async () => {
  const { backend } = await openBackend();
  const range = nodePortRange("30000-30019");
  const a = new RangeAllocator(backend, "/p", range, { random: seq(0) });
  const b = new RangeAllocator(backend, "/p", range, { random: seq(0) });
  const got = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).allocateNext()),
  );
  assert.equal(new Set(got).size, 20);
  assert.equal(await a.allocateNext(), undefined, "the range is full");
  await backend.close();
});

test("update rewrites the used set (repair)", async () => {
  const { backend } = await openBackend();
  const ports = new RangeAllocator(backend, "/p", nodePortRange("30000-30099"));
  await ports.allocate(30005);
  await ports.update((used) => new Set([...used, 30007, 40000]));
  assert.deepEqual(await ports.used(), [30005, 30007]);
  await ports.update(() => new Set([30007]));
  assert.deepEqual(await ports.used(), [30007]);
  await backend.close();
});

test("concurrent allocations share storage writes and never hand out a value twice", async () => {
  const { backend } = await openBackend();
  try {
    const alloc = new RangeAllocator(
      backend,
      "/registry/ranges/serviceips",
      clusterIPRange("10.96.0.0/24"),
    );
    const before = await backend.currentRevision();
    const values = await Promise.all(Array.from({ length: 40 }, () => alloc.allocateNext()));
    const writes = (await backend.currentRevision()) - before;
    assert.equal(new Set(values).size, 40, "distinct values");
    assert.ok(!values.includes(undefined));
    assert.ok(writes < 40, `40 allocations took ${writes} writes; batching should share them`);
    assert.deepEqual((await alloc.used()).length, 40);
    // A batch mixing releases and allocations applies each in order.
    const [, again] = await Promise.all([alloc.release([values[0]!]), alloc.allocate(values[0]!)]);
    assert.equal(again, "ok");
  } finally {
    await backend.close();
  }
});

test("batches work from the bitmap the allocator stored: no read per change, no queue for a plan", async () => {
  const { backend } = await openBackend();
  try {
    let reads = 0;
    const get = backend.get.bind(backend);
    backend.get = (key, opts) => {
      reads++;
      return get(key, opts);
    };
    const ips = new RangeAllocator(backend, "/ips", clusterIPRange("10.43.0.0/24"));
    const taken: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) taken.push(await ips.allocateNext());
    assert.equal(reads, 1, "one read at the start, then the stored bitmap");
    const plans = await Promise.all(Array.from({ length: 5 }, () => ips.allocateNext(true)));
    assert.equal(reads, 1, "dry-run picks come from the kept bitmap");
    for (const p of plans) assert.ok(p && !taken.includes(p), `${p} is free`);
    assert.equal(await ips.allocate(plans[0]!), "ok");
    assert.equal(reads, 1);
    assert.deepEqual((await ips.used()).length, 6);
  } finally {
    await backend.close();
  }
});

test("an answer from the kept bitmap that writes nothing is confirmed on the store", async () => {
  const { backend } = await openBackend();
  try {
    const range = nodePortRange("30000-30009");
    const a = new RangeAllocator(backend, "/p", range, { random: seq(0) });
    const b = new RangeAllocator(backend, "/p", range, { random: seq(0) });
    assert.equal(await a.allocate(30003), "ok");
    assert.equal(await b.allocate(30003), "allocated");
    await b.release([30003]);
    // a's kept bitmap still holds 30003; the store no longer does.
    assert.equal(await a.allocate(30003, true), "ok", "a dry-run check sees the release");
    assert.equal(await a.allocate(30003), "ok", "and so does the allocation");
    assert.equal(await b.allocate(30003), "allocated", "b's write conflicts and re-reads");
    for (let i = 0; i < 9; i++) assert.notEqual(await b.allocateNext(), undefined);
    assert.equal(await a.allocateNext(), undefined, "a sees the range full");
  } finally {
    await backend.close();
  }
});

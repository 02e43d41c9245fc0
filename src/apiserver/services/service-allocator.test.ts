import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { RangeAllocator } from "./range-allocator.ts";
import { ServiceAllocator } from "./service-allocator.ts";
import { clusterIPRange, nodePortRange } from "./service-ranges.ts";

let dir: string;
let backend: SqliteBackend;
let alloc: ServiceAllocator;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-svc-alloc-"));
  backend = new SqliteBackend({
    path: join(dir, "s.db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  const first = () => 0;
  alloc = new ServiceAllocator(
    new RangeAllocator(backend, "/ips", clusterIPRange("10.43.0.0/24"), { random: first }),
    new RangeAllocator(backend, "/ports", nodePortRange("30000-30999"), { random: first }),
  );
});
after(async () => {
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

const svc = (name: string, spec: Record<string, unknown>): KObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { ports: [{ port: 80 }], ...spec },
});

test("planning takes nothing; values are taken on reserve and given back on revert", async () => {
  const rev = await backend.currentRevision();
  const a = svc("a", { type: "NodePort" });
  const txn = await alloc.allocateCreate(a, false);
  const spec = a.spec as { clusterIP: string; ports: { nodePort: number }[] };
  assert.equal(spec.clusterIP, "10.43.0.17");
  assert.equal(spec.ports[0].nodePort, 30031);
  assert.equal(await backend.currentRevision(), rev, "planning wrote nothing");
  await txn.reserve();
  assert.deepEqual(await alloc.ips.used(), ["10.43.0.17"]);
  assert.deepEqual(await alloc.ports.used(), [30031]);
  await txn.revert();
  assert.deepEqual(await alloc.ips.used(), []);
  assert.deepEqual(await alloc.ports.used(), []);
});

test("a picked value taken meanwhile is re-picked; a requested one fails with 422", async () => {
  const b = svc("b", {
    type: "NodePort",
    ports: [
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP", name: "t" },
    ],
  });
  const txn = await alloc.allocateCreate(b, false);
  const spec = b.spec as { clusterIP: string; clusterIPs: string[]; ports: { nodePort: number }[] };
  const plannedIP = spec.clusterIP;
  const plannedPort = spec.ports[0].nodePort;
  await alloc.ips.allocate(plannedIP); // another server got there first
  await alloc.ports.allocate(plannedPort);
  await txn.reserve();
  assert.notEqual(spec.clusterIP, plannedIP);
  assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
  assert.notEqual(spec.ports[0].nodePort, plannedPort);
  assert.equal(
    spec.ports[1].nodePort,
    spec.ports[0].nodePort,
    "shared node port re-picked for both",
  );
  await txn.commit();

  const c = svc("c", { clusterIP: "10.43.0.200" });
  const txnC = await alloc.allocateCreate(c, false);
  await alloc.ips.allocate("10.43.0.200");
  await assert.rejects(txnC.reserve(), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.reason, "Invalid");
    assert.match(
      err.message,
      /failed to allocate IP 10\.43\.0\.200: provided IP is already allocated/,
    );
    return true;
  });
});

test("dry runs never reserve", async () => {
  const before = await alloc.ports.used();
  const d = svc("d", { type: "NodePort", ports: [{ port: 80, nodePort: 30500 }] });
  const txn = await alloc.allocateCreate(d, true);
  await txn.reserve();
  await txn.commit();
  assert.deepEqual(await alloc.ports.used(), before);
});

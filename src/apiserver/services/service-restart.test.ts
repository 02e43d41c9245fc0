import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../client/clock.ts";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { startApiServer, type ApiServer } from "../server.ts";
import { SERVICE_IPS_KEY } from "./range-allocator.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Running {
  server: ApiServer;
  backend: SqliteBackend;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

async function run(dir: string, random?: () => number): Promise<Running> {
  const backend = new SqliteBackend({
    path: join(dir, "state.db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  const server = await startApiServer({
    backend,
    port: 0,
    clock: new FakeClock(),
    services: { random, serviceClusterIPRange: "10.43.0.0/24" },
  });
  await server.ready;
  return {
    server,
    backend,
    async call(method, path, body) {
      const res = await fetch(server.url + path, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      await server.close();
      await backend.close();
    },
  };
}

const SVCS = "/api/v1/namespaces/default/services";
const svc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { ports: [{ port: 80 }], ...spec },
});

test("allocations survive a restart: no duplicates, requested values still taken", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-svc-restart-"));
  dirs.push(dir);
  // The same random source in both runs would pick the same IP again if the
  // allocations were not persisted.
  const first = await run(dir, () => 0);
  const a = await first.call("POST", SVCS, svc("a", { type: "NodePort" }));
  assert.equal(a.status, 201);
  await first.stop();

  const second = await run(dir, () => 0);
  const b = await second.call("POST", SVCS, svc("b", { type: "NodePort" }));
  assert.equal(b.status, 201);
  assert.notEqual(b.body.spec.clusterIP, a.body.spec.clusterIP);
  assert.notEqual(b.body.spec.ports[0].nodePort, a.body.spec.ports[0].nodePort);
  const c = await second.call("POST", SVCS, svc("c", { clusterIP: a.body.spec.clusterIP }));
  assert.equal(c.status, 422);
  assert.match(c.body.message, /provided IP is already allocated/);
  const k = await second.call("GET", `${SVCS}/kubernetes`);
  assert.equal(
    k.body.spec.clusterIP,
    "10.43.0.1",
    "the kubernetes service is kept, not re-created",
  );
  await second.stop();
});

test("a lost bitmap is rebuilt from the stored services at start", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-svc-repair-"));
  dirs.push(dir);
  const first = await run(dir);
  const a = await first.call("POST", SVCS, svc("a", { clusterIP: "10.43.0.20" }));
  assert.equal(a.status, 201);
  await first.backend.delete(SERVICE_IPS_KEY);
  await first.stop();

  const second = await run(dir);
  const dup = await second.call("POST", SVCS, svc("dup", { clusterIP: "10.43.0.20" }));
  assert.equal(dup.status, 422, "repair marked the IP of the stored service as used");
  const kube = await second.call("POST", SVCS, svc("dup2", { clusterIP: "10.43.0.1" }));
  assert.equal(kube.status, 422);
  await second.stop();
});

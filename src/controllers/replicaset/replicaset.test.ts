/**
 * The ReplicaSet controller against a real in-process API server: slow-start
 * creation batches (1, 2, 4, ...) stop at the first failure, and scale-down
 * deletes the pods upstream ranks first (not-ready before ready); status
 * writes of count-only changes are spaced by a second (fewer ready pods are
 * written at once).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { EventRecorder } from "../../client/event-recorder.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { podsRef, replicaSetsRef } from "../../client/resources.ts";
import { RestClient, type ResourceRef, type WriteOptions } from "../../client/rest-client.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { ReplicaSetController } from "./replicaset.ts";
import { until } from "../testing.ts";

type Obj = KObject & { spec?: any; status?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const ns = "default";

/** Pod creations succeed until `allowed` is used up, then fail; every attempt is counted. */
class QuotaClient extends RestClient {
  attempts = 0;
  allowed = Infinity;
  /** Status PUTs per ReplicaSet name. */
  statusWrites = new Map<string, number>();
  override update<T extends KObject>(
    ref: ResourceRef,
    obj: T,
    opts?: WriteOptions & { subresource?: string },
  ): Promise<T> {
    if (ref.resource === "replicasets" && opts?.subresource === "status") {
      const name = obj.metadata?.name ?? "";
      this.statusWrites.set(name, (this.statusWrites.get(name) ?? 0) + 1);
    }
    return super.update<T>(ref, obj, opts);
  }
  override create<T = KObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    obj: T,
    opts?: WriteOptions,
  ): Promise<T> {
    if (ref.resource === "pods") {
      this.attempts++;
      if (this.allowed-- <= 0) return Promise.reject(new Error("exceeded quota: pods"));
    }
    return super.create<T>(ref, namespace, obj, opts);
  }
}

let api: TestServer;
let client: QuotaClient;
let informers: InformerFactory;
let controller: ReplicaSetController;

before(async () => {
  api = await startTestServer();
  client = new QuotaClient({ server: api.server.url, qps: 1000, burst: 1000 });
  informers = new InformerFactory(client, { clock: api.clock });
  const recorder = new EventRecorder(
    client,
    { component: "replicaset-controller" },
    { clock: api.clock },
  );
  controller = new ReplicaSetController({
    client,
    informers,
    clock: api.clock,
    recorder,
    ownerRef: replicaSetsRef,
    ownerKind: "ReplicaSet",
  });
  informers.start();
  await informers.waitForCacheSync();
});

after(async () => {
  await informers.stop();
  client.close();
  await api.close();
});

const podsOf = (app: string) =>
  informers
    .informerFor<Obj>(podsRef)
    .indexer.byIndex("namespace", ns)
    .filter((p) => p.metadata?.labels?.app === app && !p.metadata.deletionTimestamp);

async function createRS(name: string, replicas: number): Promise<void> {
  await client.create(replicaSetsRef, ns, {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  } as KObject);
  await until("rs cached", () =>
    informers.informerFor<Obj>(replicaSetsRef).indexer.get(`${ns}/${name}`),
  );
}

test("slow start: creations go in batches of 1, 2, 4 and stop at the first failed batch", async () => {
  client.attempts = 0;
  client.allowed = 3;
  try {
    await createRS("slow", 10);
    await controller.sync(`${ns}/slow`);
  } finally {
    client.allowed = Infinity;
  }
  assert.equal(client.attempts, 7, "1 + 2 + 4 attempts, not 10");
  await until("3 pods cached", () => podsOf("slow").length === 3);
  const rs = await client.get<Obj>(replicaSetsRef, ns, "slow");
  const failure = rs.status?.conditions?.find((c: { type: string }) => c.type === "ReplicaFailure");
  assert.equal(failure?.reason, "FailedCreate");
  assert.match(failure?.message ?? "", /exceeded quota: pods/);
});

test("scale-down deletes not-ready pods before ready ones", async () => {
  await createRS("down", 3);
  await controller.sync(`${ns}/down`);
  const pods = await until("3 pods", () => podsOf("down").length === 3 && podsOf("down"));
  const ready = pods.slice(0, 2).map((p) => p.metadata!.name!);
  const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  for (const name of ready) {
    const p = await client.get<Obj>(podsRef, ns, name);
    await client.update(
      podsRef,
      {
        ...p,
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: at }],
        },
      } as KObject,
      { subresource: "status" },
    );
  }
  await until(
    "ready in cache",
    () => podsOf("down").filter((p) => p.status?.phase === "Running").length === 2,
  );
  const rs = await client.get<Obj>(replicaSetsRef, ns, "down");
  await client.update(replicaSetsRef, { ...rs, spec: { ...rs.spec, replicas: 2 } });
  await until(
    "rs scaled in cache",
    () =>
      informers.informerFor<Obj>(replicaSetsRef).indexer.get(`${ns}/down`)?.spec?.replicas === 2,
  );
  await controller.sync(`${ns}/down`);
  await until("one pod deleted", () => podsOf("down").length === 2);
  assert.deepEqual(
    podsOf("down")
      .map((p) => p.metadata!.name!)
      .sort(),
    [...ready].sort(),
  );
});

async function scale(name: string, replicas: number): Promise<void> {
  const rs = await client.get<Obj>(replicaSetsRef, ns, name);
  await client.update(replicaSetsRef, { ...rs, spec: { ...rs.spec, replicas } });
  await until(
    `${name} scaled to ${replicas} in cache`,
    () =>
      informers.informerFor<Obj>(replicaSetsRef).indexer.get(`${ns}/${name}`)?.spec?.replicas ===
      replicas,
  );
}

test("scale-down: a terminating pod counts as deleted at once (deletions tracked by UID)", async () => {
  await createRS("grace", 3);
  await controller.sync(`${ns}/grace`);
  const pods = await until("3 pods", () => podsOf("grace").length === 3 && podsOf("grace"));
  // Bound pods are deleted gracefully: marked with a deletionTimestamp, kept until a kubelet removes them.
  for (const p of pods)
    await client.request("POST", `/api/v1/namespaces/${ns}/pods/${p.metadata!.name}/binding`, {
      body: {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: p.metadata!.name },
        target: { kind: "Node", name: "node-1" },
      },
    });
  await until("bound in cache", () => podsOf("grace").every((p) => p.spec?.nodeName));
  const all = () =>
    informers
      .informerFor<Obj>(podsRef)
      .indexer.byIndex("namespace", ns)
      .filter((p) => p.metadata?.labels?.app === "grace");
  await scale("grace", 2);
  await controller.sync(`${ns}/grace`);
  const terminating = await until("one pod terminating", () =>
    all().find((p) => p.metadata?.deletionTimestamp),
  );
  assert.equal(podsOf("grace").length, 2);
  // Back to 3 while that pod still terminates: the controller replaces it
  // now instead of waiting for it to be gone.
  await scale("grace", 3);
  await controller.sync(`${ns}/grace`);
  await until("a replacement created", () => podsOf("grace").length === 3);
  assert.ok(
    all().some((p) => p.metadata?.uid === terminating.metadata?.uid),
    "the terminating pod is still there",
  );
  assert.equal(all().length, 4);
});

async function setReady(name: string, ready: boolean): Promise<void> {
  const p = await client.get<Obj>(podsRef, ns, name);
  const at = new Date(api.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  await client.update(
    podsRef,
    {
      ...p,
      status: {
        phase: "Running",
        conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: at }],
      },
    } as KObject,
    { subresource: "status" },
  );
  await until(`${name} ready=${ready} in cache`, () =>
    podsOf(p.metadata!.labels!.app!).some(
      (x) =>
        x.metadata?.name === name &&
        x.status?.conditions?.[0]?.status === (ready ? "True" : "False"),
    ),
  );
}

test("status: count-only changes within a second of the last write wait; fewer ready pods are written at once", async () => {
  const rsStatus = () =>
    informers.informerFor<Obj>(replicaSetsRef).indexer.get(`${ns}/st`)?.status ?? {};
  const writes = () => client.statusWrites.get("st") ?? 0;
  await createRS("st", 2);
  await controller.sync(`${ns}/st`);
  assert.equal(writes(), 1, "observedGeneration is never held");
  await until("status observed", () => rsStatus().observedGeneration === 1);
  const pods = await until("2 pods", () => podsOf("st").length === 2 && podsOf("st"));
  const names = pods.map((p) => p.metadata!.name!);
  // Each row: what changes, the clock moved since, then the write count and
  // replicas/readyReplicas the cached status shows after one sync.
  const steps: {
    what: string;
    act?: () => Promise<void>;
    advance: number;
    writes: number;
    replicas: number;
    ready: number;
  }[] = [
    { what: "2 pods within the interval: held", advance: 0, writes: 1, replicas: 0, ready: 0 },
    { what: "interval over: written", advance: 1000, writes: 2, replicas: 2, ready: 0 },
    {
      what: "one ready 1 s later: written",
      act: () => setReady(names[0]!, true),
      advance: 1000,
      writes: 3,
      replicas: 2,
      ready: 1,
    },
    {
      what: "a second ready at once: held",
      act: () => setReady(names[1]!, true),
      advance: 0,
      writes: 3,
      replicas: 2,
      ready: 1,
    },
    { what: "interval over: written", advance: 1000, writes: 4, replicas: 2, ready: 2 },
    {
      what: "one not ready: written though within the interval",
      act: () => setReady(names[0]!, false),
      advance: 0,
      writes: 5,
      replicas: 2,
      ready: 1,
    },
  ];
  for (const s of steps) {
    await s.act?.();
    api.clock.advance(s.advance);
    await controller.sync(`${ns}/st`);
    assert.equal(writes(), s.writes, s.what);
    await until(
      `${s.what}: status in cache`,
      () => rsStatus().replicas === s.replicas && (rsStatus().readyReplicas ?? 0) === s.ready,
    );
  }
});

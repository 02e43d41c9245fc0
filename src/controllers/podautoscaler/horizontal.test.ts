/**
 * The HPA controller against a real in-process API server (SQLite, plain
 * HTTP on port 0) with a fake clock and a fake metrics source: a scale-up
 * with status, conditions and the SuccessfulRescale event; failing metrics;
 * scale-down held by the 5-minute window until the clock passes it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.d.ts";
import type { KObject } from "../../api/types.ts";
import { FakeClock } from "../../client/clock.ts";
import { EventRecorder, eventsRef } from "../../client/event-recorder.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { deploymentsRef, hpaRef, podsRef } from "../../client/resources.ts";
import { RestClient } from "../../client/rest-client.ts";
import { startApiServer, type ApiServer } from "../../apiserver/server.ts";
import { SqliteBackend } from "../../storage/drivers/sqlite.ts";
import { HorizontalController } from "./horizontal.ts";
import { scaleTargetResource } from "./hpa-status.ts";
import type { ResourceMetricsSource } from "./metrics-source.ts";
import type { PodMetrics } from "./replica-calculator.ts";

const ns = "default";
let dir: string;
let backend: SqliteBackend;
let server: ApiServer;
let client: RestClient;
const clock = new FakeClock(Date.now());
const abort = new AbortController();
let informers: InformerFactory;
let recorder: EventRecorder;
let controller: HorizontalController;

/** Usage per pod in millicores; undefined: the source fails. */
let usage: Record<string, number> | undefined;
const metrics: ResourceMetricsSource = {
  async getResourceMetric(): Promise<PodMetrics> {
    if (!usage) throw new Error("no metrics returned from resource metrics API");
    return new Map(
      Object.entries(usage).map(([k, v]) => [
        k,
        { value: v, timestamp: clock.now(), windowMs: 15_000 },
      ]),
    );
  },
};

async function until<T>(what: string, fn: () => T | undefined): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what} never happened`);
}

type HPA = HorizontalPodAutoscaler & KObject;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-hpa-"));
  backend = new SqliteBackend({
    path: join(dir, "state.db"),
    compactIntervalMs: 0,
    ttlCheckIntervalMs: 0,
  });
  await backend.start();
  server = await startApiServer({ backend, port: 0, services: false });
  await server.ready;
  client = new RestClient({ server: server.url, qps: 1000, burst: 1000 });
  informers = new InformerFactory(client, { clock });
  recorder = new EventRecorder(client, { component: "horizontal-pod-autoscaler" }, { clock });
  controller = new HorizontalController({
    client,
    informers,
    clock,
    recorder,
    metrics,
    resyncMs: 3_600_000,
  });
  informers.start();
  void controller.run(1, abort.signal);
  await informers.waitForCacheSync();

  await client.create(deploymentsRef, ns, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "100m" } } }],
        },
      },
    },
  } as KObject);
  const started = new Date(clock.now() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  for (const name of ["web-a", "web-b"]) {
    const pod = await client.create(podsRef, ns, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: "web" } },
      spec: {
        containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "100m" } } }],
      },
    } as KObject);
    await client.update(
      podsRef,
      {
        ...pod,
        status: {
          phase: "Running",
          startTime: started,
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: started }],
        },
      } as KObject,
      { subresource: "status" },
    );
  }
});

after(async () => {
  abort.abort();
  await informers.stop();
  client.close();
  await server.close();
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

const replicas = async () =>
  ((await client.get(deploymentsRef, ns, "web")) as { spec?: { replicas?: number } }).spec
    ?.replicas;
const cond = (h: HPA | undefined, type: string) =>
  h?.status?.conditions?.find((c) => c.type === type);
const cachedHpa = (informer = informers.informerFor<HPA>(hpaRef)) =>
  informer.indexer.get(`${ns}/web`);

test("scaleTargetResource maps kinds to resources", () => {
  assert.deepEqual(scaleTargetResource("apps/v1", "Deployment"), {
    group: "apps",
    version: "v1",
    resource: "deployments",
    namespaced: true,
  });
  assert.equal(
    scaleTargetResource("v1", "ReplicationController").resource,
    "replicationcontrollers",
  );
  assert.equal(scaleTargetResource("example.com/v1", "Policy").resource, "policies");
});

test("HPA scales up on CPU utilization, records status, conditions and an event", async () => {
  usage = { "web-a": 100, "web-b": 100 }; // 100% of requests against a 50% target
  await client.create(hpaRef, ns, {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
        },
      ],
    },
  } as KObject);
  const hpa = await until("status written", () => {
    const h = cachedHpa();
    return h?.status?.desiredReplicas ? h : undefined;
  });
  assert.equal(await replicas(), 4);
  assert.equal(hpa.status?.currentReplicas, 2);
  assert.equal(hpa.status?.desiredReplicas, 4);
  assert.ok(hpa.status?.lastScaleTime);
  assert.deepEqual(hpa.status?.currentMetrics, [
    {
      type: "Resource",
      resource: { name: "cpu", current: { averageUtilization: 100, averageValue: "100m" } },
    },
  ]);
  assert.equal(cond(hpa, "AbleToScale")?.reason, "SucceededRescale");
  assert.equal(cond(hpa, "ScalingActive")?.reason, "ValidMetricFound");
  assert.equal(cond(hpa, "ScalingLimited")?.status, "False");
  await recorder.flush();
  const events = await client.list<{ reason?: string; message?: string }>(eventsRef, ns);
  const rescale = events.items.find((e) => e.reason === "SuccessfulRescale");
  assert.equal(
    rescale?.message,
    "New size: 4; reason: cpu resource utilization (percentage of request) above target",
  );
});

test("failing metrics make ScalingActive False without rescaling", async () => {
  usage = undefined;
  await controller.sync(`${ns}/web`);
  const hpa = await until("ScalingActive False", () => {
    const h = cachedHpa();
    return cond(h, "ScalingActive")?.status === "False" ? h : undefined;
  });
  assert.equal(cond(hpa, "ScalingActive")?.reason, "FailedGetResourceMetric");
  assert.match(cond(hpa, "ScalingActive")?.message ?? "", /unable to compute the replica count/);
  assert.equal(await replicas(), 4);
});

test("scale-down waits for the 5-minute stabilization window", async () => {
  usage = { "web-a": 5, "web-b": 5 }; // 5%: upstream would want 1 replica
  clock.advance(30_000);
  await controller.sync(`${ns}/web`);
  const held = await until("stabilized", () => {
    const h = cachedHpa();
    return cond(h, "AbleToScale")?.reason === "ScaleDownStabilized" ? h : undefined;
  });
  assert.equal(held.status?.desiredReplicas, 4);
  assert.equal(await replicas(), 4);
  clock.advance(301_000);
  await controller.sync(`${ns}/web`);
  await until("scaled down", () => (cachedHpa()?.status?.desiredReplicas === 1 ? true : undefined));
  assert.equal(await replicas(), 1);
});

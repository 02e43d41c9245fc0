/**
 * Pods, Object and External metrics end to end through aggregation: a real
 * API server with the aggregator, a small HTTPS metrics server on
 * 127.0.0.1 registered by two APIServices (custom.metrics.k8s.io/v1beta2,
 * external.metrics.k8s.io/v1beta1), and the HPA controller reading them
 * with its default (API) metrics sources.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { HorizontalPodAutoscaler, MetricSpec } from "kubernetes-types/autoscaling/v2.d.ts";
import type { KObject } from "../../api/types.ts";
import { FakeClock } from "../../client/clock.ts";
import { EventRecorder, eventsRef } from "../../client/event-recorder.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { deploymentsRef, hpaRef, podsRef } from "../../client/resources.ts";
import { RestClient } from "../../client/rest-client.ts";
import { Aggregator } from "../../apiserver/aggregator/aggregator.ts";
import { defaultPipeline } from "../../apiserver/pipeline.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { HorizontalController } from "./horizontal.ts";
import { startMetricsServer, type TestMetricsServer } from "./testing-metrics-server.ts";

type HPA = HorizontalPodAutoscaler & KObject;
const ns = "default";
let api: TestServer;
let metrics: TestMetricsServer;
let client: RestClient;
let informers: InformerFactory;
let recorder: EventRecorder;
let controller: HorizontalController;
const clock = new FakeClock(Date.now());

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} never happened`);
}

before(async () => {
  metrics = await startMetricsServer({ service: "metrics-api", namespace: ns });
  const aggregator = new Aggregator();
  const pipeline = defaultPipeline();
  pipeline.filters.push(aggregator.filter());
  api = await startTestServer({ pipeline });
  await aggregator.start(api.server.context);
  client = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "metrics-api" },
    spec: { clusterIP: "None", ports: [{ port: 443, targetPort: metrics.port }] },
  };
  const endpoints = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "metrics-api" },
    subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ port: metrics.port }] }],
  };
  assert.equal((await api.call("POST", `/api/v1/namespaces/${ns}/services`, service)).status, 201);
  assert.equal(
    (await api.call("POST", `/api/v1/namespaces/${ns}/endpoints`, endpoints)).status,
    201,
  );
  for (const [group, version] of [
    ["custom.metrics.k8s.io", "v1beta2"],
    ["external.metrics.k8s.io", "v1beta1"],
  ]) {
    const r = await api.call("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: `${version}.${group}` },
      spec: {
        group,
        version,
        groupPriorityMinimum: 100,
        versionPriority: 100,
        caBundle: metrics.caBundle,
        service: { namespace: ns, name: "metrics-api" },
      },
    });
    assert.equal(r.status, 201, r.text);
    await until(`${group} available`, async () => {
      const s = await api.call(
        "GET",
        `/apis/apiregistration.k8s.io/v1/apiservices/${version}.${group}`,
      );
      return s.body.status?.conditions?.[0]?.status === "True" ? true : undefined;
    });
  }

  informers = new InformerFactory(client, { clock });
  recorder = new EventRecorder(client, { component: "horizontal-pod-autoscaler" }, { clock });
  controller = new HorizontalController({
    client,
    informers,
    clock,
    recorder,
    resyncMs: 3_600_000,
  });
  informers.start();
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
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  } as KObject);
  const started = new Date(clock.now() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  for (const name of ["web-a", "web-b"]) {
    const pod = await client.create(podsRef, ns, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: "web" } },
      spec: { containers: [{ name: "c", image: "nginx" }] },
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
  const pods = informers.informerFor<KObject>(podsRef);
  await until("pods cached", () =>
    pods.indexer
      .list()
      .filter((p) => (p as { status?: { phase?: string } }).status?.phase === "Running").length ===
    2
      ? true
      : undefined,
  );
});

after(async () => {
  await informers?.stop();
  client?.close();
  await api?.close();
  await metrics?.close();
});

const replicas = async () =>
  ((await client.get(deploymentsRef, ns, "web")) as { spec?: { replicas?: number } }).spec
    ?.replicas;

/** Creates HPA `name` with one metric, runs one sync and returns the written HPA. */
async function reconcile(name: string, metric: MetricSpec): Promise<HPA> {
  const d = await client.get<KObject & { spec: { replicas: number } }>(deploymentsRef, ns, "web");
  if (d.spec.replicas !== 2)
    await client.update(deploymentsRef, { ...d, spec: { ...d.spec, replicas: 2 } });
  await client.create(hpaRef, ns, {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [metric],
      // Without a behavior the legacy limit max(2 × current, 4) would cap these at 4.
      behavior: {
        scaleUp: { policies: [{ type: "Pods", value: 100, periodSeconds: 15 }] },
      },
    },
  } as KObject);
  const hpas = informers.informerFor<HPA>(hpaRef);
  await until("hpa cached", () => hpas.indexer.get(`${ns}/${name}`));
  await controller.sync(`${ns}/${name}`);
  return client.get<HPA>(hpaRef, ns, name);
}

const cond = (h: HPA, type: string) => h.status?.conditions?.find((c) => c.type === type);

const cases: {
  name: string;
  setup(): void;
  metric: MetricSpec;
  replicas: number;
  current: unknown;
  request: RegExp;
}[] = [
  {
    name: "pods-average",
    setup: () =>
      metrics.podMetrics.set(
        "packets",
        new Map([
          ["web-a", "2"],
          ["web-b", "2"],
        ]),
      ),
    metric: {
      type: "Pods",
      pods: { metric: { name: "packets" }, target: { type: "AverageValue", averageValue: "1" } },
    },
    replicas: 4, // 2 per pod against 1: twice the pods
    current: { averageValue: "2" },
    request: /\/namespaces\/default\/pods\/\*\/packets\?labelSelector=app%3Dweb$/,
  },
  {
    name: "pods-in-tolerance",
    setup: () =>
      metrics.podMetrics.set(
        "rps",
        new Map([
          ["web-a", "1050m"],
          ["web-b", "1"],
        ]),
      ),
    metric: {
      type: "Pods",
      pods: {
        metric: { name: "rps", selector: { matchLabels: { verb: "GET" } } },
        target: { type: "AverageValue", averageValue: "1" },
      },
    },
    replicas: 2,
    current: { averageValue: "1025m" },
    request: /pods\/\*\/rps\?labelSelector=app%3Dweb&metricLabelSelector=verb%3DGET$/,
  },
  {
    name: "object-value",
    setup: () => metrics.objectMetrics.set("services/web-svc/requests", "30"),
    metric: {
      type: "Object",
      object: {
        describedObject: { apiVersion: "v1", kind: "Service", name: "web-svc" },
        metric: { name: "requests" },
        target: { type: "Value", value: "10" },
      },
    },
    replicas: 6, // ratio 3 × 2 ready pods
    current: { value: "30" },
    request: /\/namespaces\/default\/services\/web-svc\/requests$/,
  },
  {
    name: "object-average",
    setup: () => metrics.objectMetrics.set("ingresses.networking.k8s.io/main/hits", "25"),
    metric: {
      type: "Object",
      object: {
        describedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "main" },
        metric: { name: "hits" },
        target: { type: "AverageValue", averageValue: "5" },
      },
    },
    replicas: 5, // 25 / 5
    current: { averageValue: "12500m" },
    request: /\/namespaces\/default\/ingresses\.networking\.k8s\.io\/main\/hits$/,
  },
  {
    name: "external-average",
    setup: () =>
      metrics.externalMetrics.set("queue_ready", [
        { labels: { queue: "work" }, value: "45" },
        { labels: { queue: "other" }, value: "1000" },
      ]),
    metric: {
      type: "External",
      external: {
        metric: { name: "queue_ready", selector: { matchLabels: { queue: "work" } } },
        target: { type: "AverageValue", averageValue: "10" },
      },
    },
    replicas: 5, // 45 / 10, only the matching series
    current: { averageValue: "22500m" },
    request:
      /external\.metrics\.k8s\.io\/v1beta1\/namespaces\/default\/queue_ready\?labelSelector=queue%3Dwork$/,
  },
  {
    name: "external-value",
    setup: () => metrics.externalMetrics.set("lag", [{ labels: {}, value: "45" }]),
    metric: {
      type: "External",
      external: { metric: { name: "lag" }, target: { type: "Value", value: "20" } },
    },
    replicas: 5, // ratio 2.25 × 2 ready pods
    current: { value: "45" },
    request: /namespaces\/default\/lag$/,
  },
];

for (const c of cases)
  test(`HPA ${c.name}: scales to ${c.replicas} from a metric read through aggregation`, async () => {
    c.setup();
    const hpa = await reconcile(c.name, c.metric);
    assert.equal(
      cond(hpa, "ScalingActive")?.reason,
      "ValidMetricFound",
      JSON.stringify(hpa.status),
    );
    assert.equal(hpa.status?.desiredReplicas, c.replicas);
    assert.equal(await replicas(), c.replicas);
    const status = hpa.status?.currentMetrics?.[0] as Record<string, unknown> | undefined;
    assert.equal(status?.type, c.metric.type);
    const key =
      c.metric.type === "Pods" ? "pods" : c.metric.type === "Object" ? "object" : "external";
    assert.deepEqual((status?.[key] as { current?: unknown }).current, c.current);
    assert.ok(
      metrics.requests.some((r) => c.request.test(r)),
      metrics.requests.join("\n"),
    );
  });

const failures: { name: string; metric: MetricSpec; reason: string; message: RegExp }[] = [
  {
    name: "missing-pods",
    metric: {
      type: "Pods",
      pods: { metric: { name: "nope" }, target: { type: "AverageValue", averageValue: "1" } },
    },
    reason: "FailedGetPodsMetric",
    message:
      /: unable to get metric nope: unable to fetch metrics from custom metrics API: .*could not find the metric nope/,
  },
  {
    name: "missing-object",
    metric: {
      type: "Object",
      object: {
        describedObject: { apiVersion: "v1", kind: "Service", name: "gone" },
        metric: { name: "requests" },
        target: { type: "Value", value: "1" },
      },
    },
    reason: "FailedGetObjectMetric",
    message: /: unable to get metric requests: Service on default gone/,
  },
  {
    name: "missing-external",
    metric: {
      type: "External",
      external: { metric: { name: "absent" }, target: { type: "Value", value: "1" } },
    },
    reason: "FailedGetExternalMetric",
    message: /: unable to get external metric default\/absent/,
  },
  {
    name: "external-no-series",
    metric: {
      type: "External",
      external: {
        metric: { name: "queue_ready", selector: { matchLabels: { queue: "none" } } },
        target: { type: "AverageValue", averageValue: "1" },
      },
    },
    reason: "FailedGetExternalMetric",
    message: /no metrics returned from external metrics API/,
  },
];

for (const f of failures)
  test(`HPA ${f.name}: ScalingActive False with ${f.reason}, no rescale, a warning event`, async () => {
    const hpa = await reconcile(f.name, f.metric);
    const active = cond(hpa, "ScalingActive");
    assert.equal(active?.status, "False");
    assert.equal(active?.reason, f.reason);
    assert.match(active?.message ?? "", /^the HPA was unable to compute the replica count: /);
    assert.match(active?.message ?? "", f.message);
    assert.equal(await replicas(), 2);
    await recorder.flush();
    const events = await client.list<{ reason?: string; involvedObject?: { name?: string } }>(
      eventsRef,
      ns,
    );
    assert.ok(events.items.some((e) => e.reason === f.reason && e.involvedObject?.name === f.name));
  });

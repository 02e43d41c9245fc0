import { test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { SchedulerMetrics } from "./metrics.ts";
import { serveSchedulerEndpoints } from "./serve.ts";

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: "127.0.0.1", port, path, rejectUnauthorized: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

test("/healthz, /metrics and 404 over HTTPS on port 0", async () => {
  const metrics = new SchedulerMetrics();
  metrics.setQueueSource(() => ({ active: 3, backoff: 2, unschedulable: 1 }));
  metrics.attempt("scheduled", "default-scheduler", 0.003);
  metrics.attempt("unschedulable", "default-scheduler", 0.01);
  let healthy = true;
  const server = await serveSchedulerEndpoints({
    bindAddress: "127.0.0.1",
    port: 0,
    metrics,
    healthy: () => healthy,
  });
  try {
    const cases = [
      { path: "/healthz", status: 200, body: /^ok$/ },
      { path: "/readyz", status: 200, body: /^ok$/ },
      { path: "/metrics", status: 200, body: /scheduler_pending_pods\{queue="active"\} 3/ },
      {
        path: "/metrics",
        status: 200,
        body: /scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} 1/,
      },
      { path: "/nope", status: 404, body: /404 page not found/ },
    ];
    for (const c of cases) {
      const r = await get(server.port, c.path);
      assert.equal(r.status, c.status, c.path);
      assert.match(r.body, c.body, c.path);
    }
    healthy = false;
    assert.equal((await get(server.port, "/healthz")).status, 500);
  } finally {
    await server.close();
  }
});

test("every upstream metric the scheduler records is exposed with its labels and buckets", async () => {
  const metrics = new SchedulerMetrics();
  metrics.setSources({
    queue: () => ({ active: 4, backoff: 0, unschedulable: 2 }),
    unschedulable: () => [{ plugin: "NodeAffinity", profile: "default-scheduler", count: 2 }],
    cache: () => ({ nodes: 5, pods: 7, assumedPods: 1 }),
    binding: () => 3,
  });
  metrics.attempt("scheduled", "default-scheduler", 0.002);
  metrics.algorithm(0.0005);
  metrics.extensionPoint("Bind", "Success", "default-scheduler", 0.001);
  metrics.extensionPoint("PreFilter", "UnschedulableAndUnresolvable", "default-scheduler", 0.0001);
  metrics.scheduled(1, 0.02);
  metrics.scheduled(20, 30);
  metrics.incoming("active", "PodAdd");
  metrics.incoming("backoff", "NodeAdd");
  metrics.preemption(2);
  metrics.preemption(0);
  const text = await metrics.text();
  const cases: [string, RegExp][] = [
    [
      "attempts",
      /^scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 1$/m,
    ],
    [
      "attempt latency",
      /^scheduler_scheduling_attempt_duration_seconds_bucket\{le="0.002",result="scheduled",profile="default-scheduler"\} 1$/m,
    ],
    [
      "algorithm latency",
      /^scheduler_scheduling_algorithm_duration_seconds_bucket\{le="0.001"\} 1$/m,
    ],
    [
      "extension point latency",
      /^scheduler_framework_extension_point_duration_seconds_bucket\{le="0.0001",extension_point="PreFilter",status="UnschedulableAndUnresolvable",profile="default-scheduler"\} 1$/m,
    ],
    [
      "SLI bucket start 10 ms",
      /^scheduler_pod_scheduling_sli_duration_seconds_bucket\{le="0.01",attempts="1"\} 0$/m,
    ],
    [
      "SLI 15+ attempts",
      /^scheduler_pod_scheduling_sli_duration_seconds_count\{attempts="15\+"\} 1$/m,
    ],
    ["attempts per pod", /^scheduler_pod_scheduling_attempts_bucket\{le="16"\} 1$/m],
    ["incoming", /^scheduler_queue_incoming_pods_total\{queue="backoff",event="NodeAdd"\} 1$/m],
    ["pending", /^scheduler_pending_pods\{queue="unschedulable"\} 2$/m],
    ["gated", /^scheduler_pending_pods\{queue="gated"\} 0$/m],
    [
      "unschedulable per plugin",
      /^scheduler_unschedulable_pods\{plugin="NodeAffinity",profile="default-scheduler"\} 2$/m,
    ],
    ["cache nodes", /^scheduler_scheduler_cache_size\{type="nodes"\} 5$/m],
    ["cache assumed", /^scheduler_scheduler_cache_size\{type="assumed_pods"\} 1$/m],
    ["binding goroutines", /^scheduler_goroutines\{operation="binding"\} 3$/m],
    ["preemption attempts", /^scheduler_preemption_attempts_total 2$/m],
    ["preemption victims", /^scheduler_preemption_victims_bucket\{le="2"\} 1$/m],
  ];
  for (const [name, re] of cases) assert.match(text, re, name);
});

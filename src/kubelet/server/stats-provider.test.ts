import { test } from "node:test";
import assert from "node:assert/strict";
import { parseStatFile, resourceMetricsText, type Summary } from "./stats-provider.ts";

test("parseStatFile reads cgroup key/value lines", () => {
  assert.deepEqual(parseStatFile("total_rss 10\ntotal_inactive_file 4\n\n"), {
    total_rss: 10,
    total_inactive_file: 4,
  });
});

test("resourceMetricsText renders upstream's /metrics/resource families", () => {
  const s: Summary = {
    node: {
      nodeName: "n1",
      startTime: "2026-11-29T00:00:00Z",
      cpu: { time: "t", usageNanoCores: 5, usageCoreNanoSeconds: 2_500_000_000 },
      memory: { time: "t", workingSetBytes: 1024 },
    },
    pods: [
      {
        podRef: { name: "web", namespace: "default", uid: "u" },
        startTime: "2026-11-29T00:00:00Z",
        containers: [
          {
            name: "main",
            startTime: "2026-11-29T00:00:10Z",
            cpu: { time: "t", usageNanoCores: 1, usageCoreNanoSeconds: 1_000_000_000 },
            memory: { time: "t", workingSetBytes: 2048 },
          },
        ],
        cpu: { time: "t", usageNanoCores: 1, usageCoreNanoSeconds: 1_000_000_000 },
        memory: { time: "t", workingSetBytes: 2048 },
      },
    ],
  };
  const text = resourceMetricsText(s, 1000);
  const want = [
    'container_cpu_usage_seconds_total{container="main",namespace="default",pod="web"} 1 1000',
    'container_memory_working_set_bytes{container="main",namespace="default",pod="web"} 2048 1000',
    `container_start_time_seconds{container="main",namespace="default",pod="web"} ${Date.parse("2026-11-29T00:00:10Z") / 1000} 1000`,
    "node_cpu_usage_seconds_total 2.5 1000",
    "node_memory_working_set_bytes 1024 1000",
    'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1 1000',
    'pod_memory_working_set_bytes{namespace="default",pod="web"} 2048 1000',
    "resource_scrape_error 0",
    "# TYPE container_cpu_usage_seconds_total counter",
  ];
  for (const line of want) assert.ok(text.split("\n").includes(line), `missing: ${line}\n${text}`);
});

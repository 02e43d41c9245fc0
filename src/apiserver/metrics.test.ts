import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiMetrics, type RequestLabels } from "./metrics.ts";

const labels = (over: Partial<RequestLabels> = {}): RequestLabels => ({
  verb: "GET",
  group: "",
  version: "v1",
  resource: "pods",
  subresource: "",
  scope: "resource",
  code: "200",
  ...over,
});

test("request counts and latency histograms render in the Prometheus text format", async () => {
  const m = new ApiMetrics();
  m.observe(labels(), 0.001);
  m.observe(labels(), 0.03);
  m.observe(labels({ code: "404" }), 0.2);
  m.observe(labels({ verb: "POST", code: "201" }), 100);
  m.setInflight(3, 1);
  const { contentType, text } = await m.expose();
  assert.equal(contentType, "text/plain; version=0.0.4; charset=utf-8");
  const lines = text.split("\n");
  const get = 'verb="GET",group="",version="v1",resource="pods",subresource="",scope="resource"';
  assert.ok(lines.includes("# TYPE apiserver_request_total counter"));
  assert.ok(lines.includes(`apiserver_request_total{${get},code="200"} 2`));
  assert.ok(lines.includes(`apiserver_request_total{${get},code="404"} 1`));
  // Buckets are cumulative; the duration series has no code label.
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="0.005"} 1`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="0.05"} 2`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="0.2"} 3`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${get},le="+Inf"} 3`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_count{${get}} 3`));
  const sum = lines.find((l) => l.startsWith(`apiserver_request_duration_seconds_sum{${get}}`));
  assert.equal(Number(sum?.split(" ")[1]).toFixed(3), "0.231");
  // Past the last bucket: only +Inf counts it.
  const post = get.replace('"GET"', '"POST"');
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${post},le="60"} 0`));
  assert.ok(lines.includes(`apiserver_request_duration_seconds_bucket{${post},le="+Inf"} 1`));
  // The in-flight gauge, per request kind.
  assert.ok(lines.includes("# TYPE apiserver_current_inflight_requests gauge"));
  assert.ok(lines.includes('apiserver_current_inflight_requests{request_kind="readOnly"} 3'));
  assert.ok(lines.includes('apiserver_current_inflight_requests{request_kind="mutating"} 1'));
});

test("label values are escaped", async () => {
  const m = new ApiMetrics();
  m.observe(labels({ resource: 'we"ird\\name\nx' }), 0.01);
  const { text } = await m.expose();
  assert.ok(text.includes('resource="we\\"ird\\\\name\\nx"'));
});

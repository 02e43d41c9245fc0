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

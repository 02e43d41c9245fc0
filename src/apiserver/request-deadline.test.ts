import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline } from "./pipeline.ts";
import { isLongRunning, requestDeadlineMs } from "./request-deadline.ts";
import { startTestServer } from "./testing/test-server.ts";

test("requestDeadlineMs: the shorter of ?timeout= and the server's limit; bad durations are 400", () => {
  const cases: [string, number][] = [
    ["", 60_000],
    ["timeout=5s", 5_000],
    ["timeout=1m30s", 60_000],
    ["timeout=0s", 60_000],
    ["timeout=250ms", 250],
  ];
  for (const [q, want] of cases)
    assert.equal(requestDeadlineMs(new URLSearchParams(q), 60_000), want, q);
  assert.throws(
    () => requestDeadlineMs(new URLSearchParams("timeout=soon"), 60_000),
    (e: { code?: number; message?: string }) =>
      e.code === 400 && /invalid timeout specified in the request URL/.test(e.message ?? ""),
  );
});

test("isLongRunning: watches and streaming subresources have no deadline", () => {
  const cases: [string, string, boolean][] = [
    ["watch", "", true],
    ["get", "log", true],
    ["create", "exec", true],
    ["get", "portforward", true],
    ["get", "proxy", true],
    ["list", "", false],
    ["get", "status", false],
    ["create", "", false],
  ];
  for (const [verb, subresource, want] of cases)
    assert.equal(
      isLongRunning({ verb, isResourceRequest: true, subresource }),
      want,
      `${verb} ${subresource}`,
    );
});

test("a request past its deadline gets 504 Timeout; the server keeps serving and drops the late answer", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const pipeline = defaultPipeline();
  // Holds requests for the ConfigMap "slow" until released.
  pipeline.filters.push({
    name: "hold",
    run: async (ctx, next) => {
      if (ctx.info.name === "slow") await held;
      await next();
    },
  });
  const t = await startTestServer({ pipeline, requestTimeoutMs: 60_000 });
  try {
    const base = "/api/v1/namespaces/default/configmaps";
    const slow = await t.call("GET", `${base}/slow?timeout=200ms`);
    assert.equal(slow.status, 504);
    assert.equal(slow.body.kind, "Status");
    assert.equal(slow.body.reason, "Timeout");
    assert.equal(
      slow.body.message,
      "Timeout: request did not complete within requested timeout - context deadline exceeded",
    );
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "slow" } };
    assert.equal((await t.call("POST", base, body)).status, 201);
    // Held too; released, the first (timed-out) request also finishes and writes into
    // a response already answered: dropped, the server goes on.
    const get = t.call("GET", `${base}/slow`);
    release();
    assert.equal((await get).status, 200);
    const bad = await t.call("GET", `${base}?timeout=soon`);
    assert.equal(bad.status, 400);
    const fine = await t.call("GET", `${base}?timeout=30s`);
    assert.equal(fine.status, 200);
  } finally {
    release();
    await t.close();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../src/client/api-error.ts";
import type { RestClient } from "../src/client/rest-client.ts";
import { errorKind, LatencyRecorder } from "./scale-measure.ts";

test("errorKind: an API error's HTTP code, else the error's code or name", () => {
  assert.equal(errorKind(new ApiError(429, undefined, "too many")), "429");
  assert.equal(errorKind(Object.assign(new Error("reset"), { code: "ECONNRESET" })), "ECONNRESET");
  assert.equal(errorKind(new TypeError("x")), "TypeError");
});

test("LatencyRecorder counts failed calls by kind", async () => {
  const calls = new LatencyRecorder({} as RestClient);
  const ref = { group: "", version: "v1", resource: "pods", namespaced: true } as const;
  const fail = (err: unknown) => calls.time("GET", ref, "get", () => Promise.reject(err));
  await assert.rejects(fail(new ApiError(429, undefined, "x")));
  await assert.rejects(fail(new ApiError(429, undefined, "x")));
  await assert.rejects(fail(new ApiError(504, undefined, "x")));
  await calls.time("GET", ref, "get", () => Promise.resolve(1));
  const [get] = calls.calls();
  assert.deepEqual([get!.count, get!.errors, get!.errorKinds], [4, 3, { "429": 2, "504": 1 }]);
});

test("LatencyRecorder keeps a cluster-wide LIST apart from namespace LISTs of the same resource", async () => {
  const list = { items: [] };
  const client = { list: () => Promise.resolve(list) } as unknown as RestClient;
  const calls = new LatencyRecorder(client);
  const ref = { group: "", version: "v1", resource: "pods", namespaced: true } as const;
  await calls.list(ref, "a");
  await calls.list(ref, "b");
  await calls.list(ref, undefined);
  const rows = calls.calls().map((c) => [c.verb, c.resource, c.scope, c.count]);
  assert.deepEqual(rows, [
    ["LIST", "pods", "namespace-list", 2],
    ["LIST", "pods", "cluster-list", 1],
  ]);
  assert.equal(calls.scope("namespace-list").count, 2);
  assert.equal(calls.scope("cluster-list").count, 1);
});

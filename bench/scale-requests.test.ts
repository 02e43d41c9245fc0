import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRequestCounts, requestRows } from "./scale-requests.ts";

test("parseRequestCounts sums codes per verb and resource/subresource; requestRows per pod", () => {
  const text = [
    "# HELP apiserver_request_total x",
    'apiserver_request_total{verb="PATCH",group="",version="v1",resource="pods",subresource="status",scope="resource",code="200"} 30',
    'apiserver_request_total{verb="PATCH",group="",version="v1",resource="pods",subresource="status",scope="resource",code="409"} 2',
    'apiserver_request_total{verb="POST",group="",version="v1",resource="pods",subresource="",scope="resource",code="201"} 10',
    'apiserver_request_duration_seconds_bucket{verb="POST",resource="pods",le="1"} 99',
  ].join("\n");
  const after = parseRequestCounts(text);
  assert.deepEqual(
    [...after],
    [
      ["PATCH pods/status", 32],
      ["POST pods", 10],
    ],
  );
  const rows = requestRows(new Map([["POST pods", 10]]), after, 16);
  assert.deepEqual(rows, [{ call: "PATCH pods/status", requests: 32, "per pod": 2 }]);
});

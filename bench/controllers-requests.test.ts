import { test } from "node:test";
import assert from "node:assert/strict";
import { diffRequestCounts, parseRequestCounts } from "./controllers-requests.ts";

const page = (podCreates: number) => `# HELP apiserver_request_total Counter
# TYPE apiserver_request_total counter
apiserver_request_total{verb="POST",group="",version="v1",resource="pods",subresource="",scope="resource",code="201"} ${podCreates}
apiserver_request_total{verb="POST",group="",version="v1",resource="pods",subresource="",scope="resource",code="409"} 2
apiserver_request_total{verb="PUT",group="apps",version="v1",resource="replicasets",subresource="status",scope="resource",code="200"} 7
apiserver_request_duration_seconds_bucket{verb="POST",le="0.005"} 99
`;

test("parseRequestCounts sums codes per verb and resource/subresource", () => {
  assert.deepEqual(
    [...parseRequestCounts(page(10))],
    [
      ["POST pods", 12],
      ["PUT replicasets/status", 7],
    ],
  );
});

test("parseRequestCounts with errors: failed requests apart, by code", () => {
  assert.deepEqual(
    [...parseRequestCounts(page(10), { errors: true })],
    [
      ["POST pods", 10],
      ["POST pods 409", 2],
      ["PUT replicasets/status", 7],
    ],
  );
});

test("diffRequestCounts keeps what grew", () => {
  const d = diffRequestCounts(parseRequestCounts(page(10)), parseRequestCounts(page(25)));
  assert.deepEqual([...d], [["POST pods", 15]]);
  assert.equal(parseRequestCounts("garbage\n").size, 0);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { makeNode, makePod } from "../testing/wrappers.ts";
import { NodeInfo, podLogSize } from "./node-info.ts";
import { PodCountMemo } from "./pod-count-memo.ts";
import type { PodInfo } from "./pod-info.ts";

test("PodCountMemo tallies matching pods by delta and recounts past the log", () => {
  const ni = new NodeInfo(makeNode("n1").obj());
  const memo = new PodCountMemo();
  let calls = 0;
  const web = (p: PodInfo) => {
    calls++;
    return p.labels.app === "web";
  };
  const count = () => memo.counter("web", web)(ni);
  const pods = Array.from({ length: 30 }, (_, i) =>
    makePod(`p${i}`)
      .labels({ app: i % 2 ? "web" : "db" })
      .info(),
  );
  for (const p of pods.slice(0, 10)) ni.addPod(p);
  assert.equal(count(), 5);
  calls = 0;
  assert.equal(count(), 5, "unchanged node: no predicate call");
  assert.equal(calls, 0);
  ni.addPod(pods[11]!); // web
  ni.removePod(pods[1]!.key); // web
  ni.removePod(pods[2]!.key); // db
  ni.setNode(makeNode("n1").obj());
  calls = 0;
  assert.equal(count(), 5);
  assert.equal(calls, 3, "only the logged pod changes are matched");
  for (const p of pods.slice(12, 12 + podLogSize + 1)) ni.addPod(p);
  calls = 0;
  assert.equal(count(), 5 + 4, "recounted after more changes than the log holds");
  assert.equal(calls, ni.pods.size);
  assert.equal(memo.counter("other", () => true)(ni), ni.pods.size, "keys are separate");
});

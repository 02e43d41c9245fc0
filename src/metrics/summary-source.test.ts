import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import type { Summary } from "../kubelet/server/stats-provider.ts";
import { SummarySource } from "./summary-source.ts";
import { usageOf } from "./metrics-api.ts";

const loc = { host: "127.0.0.1", port: 1, tls: { rejectUnauthorized: false } };
const summary = (n: number): Summary => ({
  node: {
    nodeName: "n",
    startTime: "",
    cpu: { time: "", usageNanoCores: n, usageCoreNanoSeconds: 0 },
  },
  pods: [],
});

test("SummarySource reuses a node's summary within the TTL and shares in-flight fetches", async () => {
  const clock = new FakeClock();
  let fetches = 0;
  const src = new SummarySource({
    clock,
    ttlMs: 5000,
    fetch: async () => summary(++fetches),
  });
  const [a, b] = await Promise.all([src.get("n", loc), src.get("n", loc)]);
  assert.equal(a.node.cpu?.usageNanoCores, 1);
  assert.equal(b, a);
  clock.advance(4999);
  assert.equal((await src.get("n", loc)).node.cpu?.usageNanoCores, 1);
  clock.advance(1);
  assert.equal((await src.get("n", loc)).node.cpu?.usageNanoCores, 2);
  assert.equal((await src.get("other", loc)).node.cpu?.usageNanoCores, 3);
});

test("SummarySource forgets failed fetches", async () => {
  const clock = new FakeClock();
  let calls = 0;
  const src = new SummarySource({
    clock,
    fetch: async () => {
      calls++;
      if (calls === 1) throw new Error("kubelet down");
      return summary(7);
    },
  });
  await assert.rejects(src.get("n", loc), /kubelet down/);
  assert.equal((await src.get("n", loc)).node.cpu?.usageNanoCores, 7);
});

test("usageOf formats nanocores and Ki as metrics-server does", () => {
  const cases: [number, number, { cpu: string; memory: string }][] = [
    [0, 0, { cpu: "0n", memory: "0Ki" }],
    [1_234_567.4, 1024 * 1024, { cpu: "1234567n", memory: "1024Ki" }],
    [-5, 1536, { cpu: "0n", memory: "2Ki" }],
  ];
  for (const [cpu, mem, want] of cases) assert.deepEqual(usageOf(cpu, mem), want);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { SchedulerCache } from "../cache/cache.ts";
import { makeNode, makePod } from "../testing/wrappers.ts";
import { AggregateCache, NodeAggregate, type AggregateSpec } from "./node-aggregate.ts";

/** Pods with app=web per zone. */
const spec = (
  calls: string[],
): AggregateSpec<{ zone: string; n: number }, Map<string, number>> => ({
  init: () => new Map(),
  contribution(node) {
    calls.push(node.name);
    const zone = node.labels.zone;
    if (zone === undefined) return undefined;
    let n = 0;
    for (const p of node.pods.values()) if (p.labels.app === "web") n++;
    return { value: { zone, n } };
  },
  apply(total, v, sign) {
    const n = (total.get(v.zone) ?? 0) + sign * v.n;
    if (n === 0) total.delete(v.zone);
    else total.set(v.zone, n);
  },
});

const fresh = (cache: SchedulerCache) => new NodeAggregate(spec([])).sync(cache);
const web = (name: string, node: string) => makePod(name).labels({ app: "web" }).node(node).obj();

test("NodeAggregate: incremental totals equal a recount after each kind of change", () => {
  const cache = new SchedulerCache();
  for (const [n, z] of [
    ["a1", "a"],
    ["a2", "a"],
    ["b1", "b"],
  ])
    cache.addNode(makeNode(n).labels({ zone: z }).obj());
  const calls: string[] = [];
  const agg = new NodeAggregate(spec(calls));
  const steps: [string, () => void][] = [
    ["pod added", () => cache.addPod(web("w1", "a1"))],
    ["assumed pod", () => cache.assumePod(makePod("w2").labels({ app: "web" }).info(), "b1")],
    ["assumed pod forgotten", () => cache.forgetPod("default/w2")],
    ["other pod", () => cache.addPod(makePod("x").node("a2").obj())],
    ["node relabelled", () => cache.updateNode(makeNode("a1").labels({ zone: "c" }).obj())],
    ["pod removed", () => cache.removePod(web("w1", "a1"))],
    ["pod on a node not yet known", () => cache.addPod(web("w3", "d1"))],
    ["that node arrives", () => cache.addNode(makeNode("d1").labels({ zone: "d" }).obj())],
    ["node removed", () => cache.removeNode(makeNode("d1").obj())],
  ];
  assert.deepEqual(agg.sync(cache), fresh(cache));
  for (const [name, step] of steps) {
    step();
    calls.length = 0;
    assert.deepEqual(agg.sync(cache), fresh(cache), name);
    assert.ok(calls.length <= 2, `${name}: only changed nodes re-read (${calls.join(",")})`);
  }
});

test("NodeAggregate: volatile contributions are recomputed on every sync", () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode("n1").obj());
  let outside = 1;
  const agg = new NodeAggregate<number, { sum: number }>({
    init: () => ({ sum: 0 }),
    contribution: () => ({ value: outside, volatile: true }),
    apply: (t, v, sign) => void (t.sum += sign * v),
  });
  assert.equal(agg.sync(cache).sum, 1);
  outside = 5;
  assert.equal(agg.sync(cache).sum, 5);
});

test("AggregateCache keeps the most recently used aggregates", () => {
  const cache = new SchedulerCache();
  cache.addNode(makeNode("n1").labels({ zone: "a" }).obj());
  const built: string[] = [];
  const aggs = new AggregateCache<{ zone: string; n: number }, Map<string, number>>(2);
  const use = (key: string) => aggs.sync(key, cache, () => (built.push(key), spec([])));
  use("x");
  use("y");
  use("x");
  use("z"); // evicts y
  use("x");
  use("y");
  assert.deepEqual(built, ["x", "y", "z", "y"]);
});

test("NodeAggregate: a full rebuild reads only the spec's candidate nodes", () => {
  const cache = new SchedulerCache();
  for (const n of ["a1", "a2", "a3"]) cache.addNode(makeNode(n).labels({ zone: "a" }).obj());
  cache.addPod(web("w1", "a2"));
  const calls: string[] = [];
  const agg = new NodeAggregate({
    ...spec(calls),
    candidates: (lister) => lister.nodeInfoList().filter((n) => n.pods.size > 0),
  });
  assert.deepEqual([...agg.sync(cache)], [["a", 1]]);
  assert.deepEqual(calls, ["a2"]);
});

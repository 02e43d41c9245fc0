import { test } from "node:test";
import assert from "node:assert/strict";
import { makeNode, makePod } from "../testing/wrappers.ts";
import { HotSlots, NodeInfo, podLogSize } from "./node-info.ts";

const gi = 1024 ** 3;

test("NodeInfo keeps its free and requested amounts current", () => {
  const ni = new NodeInfo(makeNode("n1").capacity({ cpu: "4", memory: "8Gi", pods: "3" }).obj());
  const a = makePod("a").req({ cpu: "1", memory: "1Gi" }).info();
  const b = makePod("b").req({ cpu: "500m", memory: "2Gi" }).info();
  const steps: { op: () => void; want: Record<string, number> }[] = [
    {
      op: () => {},
      want: { freeMilliCPU: 4000, freeMemory: 8 * gi, freePods: 3, reqMilliCPU: 0, reqMemory: 0 },
    },
    {
      op: () => ni.addPod(a),
      want: {
        freeMilliCPU: 3000,
        freeMemory: 7 * gi,
        freePods: 2,
        reqMilliCPU: 1000,
        reqMemory: gi,
      },
    },
    {
      op: () => ni.addPod(b),
      want: {
        freeMilliCPU: 2500,
        freeMemory: 5 * gi,
        freePods: 1,
        reqMilliCPU: 1500,
        reqMemory: 3 * gi,
      },
    },
    {
      op: () => ni.removePod(a.key),
      want: {
        freeMilliCPU: 3500,
        freeMemory: 6 * gi,
        freePods: 2,
        reqMilliCPU: 500,
        reqMemory: 2 * gi,
      },
    },
    {
      op: () => ni.setNode(makeNode("n1").capacity({ cpu: "2", memory: "4Gi", pods: "10" }).obj()),
      want: {
        freeMilliCPU: 1500,
        freeMemory: 2 * gi,
        freePods: 9,
        allocMilliCPU: 2000,
        allocMemory: 4 * gi,
      },
    },
  ];
  for (const [i, s] of steps.entries()) {
    s.op();
    for (const [field, v] of Object.entries(s.want))
      assert.equal(ni[field as keyof NodeInfo], v, `step ${i}: ${field}`);
  }
  const c = ni.clone();
  assert.equal(c.freeMilliCPU, 1500);
  assert.equal(c.freePods, 9);
});

test("NodeInfo logs its latest pod changes by generation", () => {
  const ni = new NodeInfo(makeNode("n1").obj());
  const g0 = ni.generation;
  const a = makePod("a").info();
  const b = makePod("b").info();
  ni.addPod(a);
  ni.addPod(b);
  ni.removePod(a.key);
  ni.setNode(makeNode("n1").obj());
  assert.ok(ni.logCovers(g0));
  const seen = [];
  for (let g = g0 + 1; g <= ni.generation; g++)
    seen.push([ni.changedPodAt(g)?.key, ni.changeSignAt(g)]);
  assert.deepEqual(seen, [
    [a.key, 1],
    [b.key, 1],
    [a.key, -1],
    [undefined, 0],
  ]);
  for (let i = 0; i < podLogSize; i++) ni.setNode(makeNode("n1").obj());
  assert.ok(!ni.logCovers(g0), "older than the log");
  assert.ok(ni.logCovers(ni.generation - podLogSize));
  assert.ok(!ni.logCovers(ni.generation + 1), "a generation not reached yet");
});

test("NodeInfos sharing HotSlots keep their own numbers, also after one is released", () => {
  const slots = new HotSlots();
  const node = (name: string, cpu: string) =>
    new NodeInfo(makeNode(name).capacity({ cpu, memory: "8Gi", pods: "10" }).obj(), slots);
  const n1 = node("n1", "4");
  const n2 = node("n2", "2");
  n1.addPod(makePod("a").req({ cpu: "1", memory: "1Gi" }).info());
  assert.deepEqual([n1.freeMilliCPU, n1.freeMemory, n1.freePods], [3000, 7 * gi, 9]);
  assert.deepEqual([n2.freeMilliCPU, n2.freeMemory, n2.freePods], [2000, 8 * gi, 10]);
  assert.equal(n1.nonZeroCPU, 1000);
  assert.equal(n2.nonZeroCPU, 0);
  // Released: n1 keeps its numbers while the slot it gave back is taken and written by n3.
  n1.release();
  const n3 = node("n3", "16");
  n3.addPod(makePod("b").req({ cpu: "2", memory: "2Gi" }).info());
  assert.deepEqual([n1.freeMilliCPU, n1.freeMemory, n1.freePods], [3000, 7 * gi, 9]);
  assert.deepEqual([n3.freeMilliCPU, n3.freeMemory, n3.freePods], [14000, 6 * gi, 9]);
  n1.addPod(makePod("c").req({ cpu: "1", memory: "1Gi" }).info());
  assert.deepEqual([n1.freeMilliCPU, n3.freeMilliCPU, n2.freeMilliCPU], [2000, 14000, 2000]);
  // A clone owns its numbers.
  const c = n2.clone();
  c.addPod(makePod("d").req({ cpu: "1", memory: "1Gi" }).info());
  assert.deepEqual([c.freeMilliCPU, n2.freeMilliCPU], [1000, 2000]);
});

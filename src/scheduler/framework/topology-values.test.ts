import { test } from "node:test";
import assert from "node:assert/strict";
import { makeNode } from "../testing/wrappers.ts";
import { NodeInfo } from "./node-info.ts";
import { TopologyValues, topologyValues } from "./topology-values.ts";

test("TopologyValues: one id per (key, value), -1 for no value, a new epoch when full", () => {
  const r = new TopologyValues(3);
  const steps: { key: string; value: string | undefined; want: number; epoch: number }[] = [
    { key: "zone", value: "a", want: 0, epoch: 0 },
    { key: "zone", value: "b", want: 1, epoch: 0 },
    { key: "zone", value: "a", want: 0, epoch: 0 },
    { key: "host", value: "a", want: 0, epoch: 0 },
    { key: "host", value: undefined, want: -1, epoch: 0 },
    // Full (3 ids): the fourth pair starts over.
    { key: "host", value: "b", want: 0, epoch: 1 },
    { key: "zone", value: "b", want: 0, epoch: 1 },
    { key: "zone", value: "a", want: 1, epoch: 1 },
  ];
  for (const [i, s] of steps.entries()) {
    assert.equal(r.id(s.key, s.value), s.want, `step ${i}`);
    assert.equal(r.epoch, s.epoch, `step ${i} epoch`);
  }
});

test("NodeInfo.topologyId follows the node's labels and the registry's epoch", () => {
  const ni = new NodeInfo(makeNode("n1").labels({ zone: "z1", rack: "r1" }).obj());
  const other = new NodeInfo(makeNode("n2").labels({ zone: "z1", rack: "r2" }).obj());
  const expect = (n: NodeInfo, key: string, value: string | undefined) =>
    assert.equal(n.topologyId(key), topologyValues.id(key, value), `${n.name} ${key}`);
  const keys = ["zone", "rack", "kubernetes.io/hostname", "missing"];
  // Every key more than once, in an order that rotates the two remembered slots.
  for (const key of [...keys, ...keys.reverse(), "zone", "zone"]) {
    expect(ni, key, key === "missing" ? undefined : ni.labels[key]);
    expect(other, key, key === "missing" ? undefined : other.labels[key]);
  }
  assert.equal(ni.topologyId("zone"), other.topologyId("zone"), "same domain, same id");
  assert.notEqual(ni.topologyId("rack"), other.topologyId("rack"));
  ni.node = makeNode("n1").labels({ zone: "z2" }).obj();
  expect(ni, "zone", "z2");
  expect(ni, "rack", undefined);
  topologyValues.reset();
  expect(ni, "zone", "z2");
  expect(other, "rack", "r2");
});

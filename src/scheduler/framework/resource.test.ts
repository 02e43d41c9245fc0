import { test } from "node:test";
import assert from "node:assert/strict";
import { makePod } from "../testing/wrappers.ts";
import { addInto, addResourceList, emptyResource, podRequests } from "./resource.ts";

test("resources without extended resources share no state: writing one leaves the others empty", () => {
  const a = emptyResource();
  const b = emptyResource();
  addResourceList(a, { cpu: "1", "example.com/gpu": "2" });
  assert.deepEqual([...a.scalar], [["example.com/gpu", 2]]);
  assert.equal(b.scalar.size, 0);
  assert.equal(emptyResource().scalar.size, 0);

  const sum = emptyResource();
  addInto(sum, a);
  addInto(sum, a);
  assert.deepEqual([...sum.scalar], [["example.com/gpu", 4]]);
  assert.equal(a.scalar.get("example.com/gpu"), 2, "the source is not changed");
  addInto(sum, a, -1);
  assert.equal(sum.scalar.get("example.com/gpu"), 2);
  assert.equal(emptyResource().scalar.size, 0);
});

test("podRequests: app containers summed, the largest init container, extended resources", () => {
  const plain = podRequests(makePod("p").req({ cpu: "100m", memory: "500Mi" }).obj());
  assert.equal(plain.milliCPU, 100);
  assert.equal(plain.memory, 500 * 1024 * 1024);
  assert.equal(plain.scalar.size, 0);

  const gpu = podRequests(
    makePod("g")
      .req({ cpu: "1" })
      .container("other", { cpu: "500m", "example.com/gpu": "1" })
      .initReq({ cpu: "2", "example.com/gpu": "3" })
      .obj(),
  );
  assert.equal(gpu.milliCPU, 2000, "the init container's 2 cpu exceed the app containers' 1.5");
  assert.equal(gpu.scalar.get("example.com/gpu"), 3);
  assert.equal(podRequests(makePod("q").obj()).scalar.size, 0);
  const nonZero = podRequests(makePod("z").obj(), true);
  assert.equal(nonZero.milliCPU, 100);
  assert.equal(nonZero.memory, 200 * 1024 * 1024);
});

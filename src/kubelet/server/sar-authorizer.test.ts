import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { sarAuthorizer } from "./sar-authorizer.ts";

test("sarAuthorizer asks the API server and caches allowed and denied answers", async () => {
  const clock = new FakeClock();
  const asked: any[] = [];
  const client = {
    request: async (_m: string, _p: string, opts: { body?: any } = {}) => {
      asked.push(opts.body);
      return {
        status: { allowed: opts.body.spec.user === "kube-apiserver-kubelet-client" },
      } as any;
    },
  };
  const authorize = sarAuthorizer({ client, nodeName: "n1", clock, deniedTtlMs: 1000 });
  const apiserver = { name: "kube-apiserver-kubelet-client", groups: ["system:masters"] };
  const bob = { name: "bob", groups: [] };
  assert.equal(await authorize(apiserver, "get", "proxy"), true);
  assert.equal(await authorize(apiserver, "get", "proxy"), true);
  assert.equal(await authorize(bob, "get", "stats"), false);
  assert.equal(asked.length, 2);
  assert.deepEqual(asked[1].spec.resourceAttributes, {
    verb: "get",
    resource: "nodes",
    subresource: "stats",
    name: "n1",
  });
  clock.advance(1000);
  assert.equal(await authorize(bob, "get", "stats"), false);
  assert.equal(asked.length, 3);
});

test("sarAuthorizer denies when the review fails", async () => {
  const client = {
    request: async () => {
      throw new Error("connection refused");
    },
  };
  const authorize = sarAuthorizer({ client, nodeName: "n1", clock: new FakeClock() });
  assert.equal(await authorize({ name: "x", groups: [] }, "get", "proxy"), false);
});

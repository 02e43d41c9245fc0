import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONCURRENT_SYNCS,
  controllerStarters,
  enabledControllers,
  EVENT_COMPONENTS,
  runControllerManager,
  unknownControllers,
} from "./manager.ts";
import { ApiError } from "../client/api-error.ts";
import { RestClient, type ResourceRef } from "../client/rest-client.ts";
import { until } from "./testing.ts";
import { startTestServer } from "../apiserver/testing/test-server.ts";

test("worker counts: the garbage collector runs upstream's 20 (--concurrent-gc-syncs), keys name controllers", () => {
  assert.equal(CONCURRENT_SYNCS.garbagecollector, 20);
  for (const [name, n] of Object.entries(CONCURRENT_SYNCS)) {
    assert.ok(name in controllerStarters, `${name} is a controller`);
    assert.ok(Number.isInteger(n) && n > 0, `${name}: ${n} workers`);
  }
});

test("--controllers: * runs all, -name disables, bare names select", () => {
  const all = Object.keys(controllerStarters);
  const cases: [string, string[], (names: string[]) => boolean][] = [
    ["default", ["*"], (n) => n.length === all.length],
    [
      "*,-deployment",
      ["*", "-deployment"],
      (n) => n.length === all.length - 1 && !n.includes("deployment"),
    ],
    ["job,cronjob", ["job", "cronjob"], (n) => n.join() === "job,cronjob"],
    ["job,-job", ["job", "-job"], (n) => n.length === 0],
  ];
  for (const [name, req, ok] of cases) assert.ok(ok(enabledControllers(req)), name);
  for (const n of [
    "replicaset",
    "deployment",
    "statefulset",
    "daemonset",
    "job",
    "cronjob",
    "garbagecollector",
    "horizontalpodautoscaling",
    "nodelifecycle",
    "endpointslice",
    "namespace",
    "serviceaccount",
    "disruption",
    "podgc",
    "resourcequota",
    "ttl-after-finished",
  ])
    assert.ok(all.includes(n), `${n} is a known controller`);
});

test("unknown --controllers names are reported", () => {
  assert.deepEqual(unknownControllers(["*", "-deployment", "job"]), []);
  assert.deepEqual(unknownControllers(["*", "-bogus", "nope"]), ["bogus", "nope"]);
});

test("every controller reports events under its upstream component name", () => {
  for (const name of Object.keys(controllerStarters))
    assert.ok(EVENT_COMPONENTS[name], `no event component for ${name}`);
  assert.equal(EVENT_COMPONENTS.deployment, "deployment-controller");
  assert.equal(EVENT_COMPONENTS.nodelifecycle, "node-controller");
  assert.equal(EVENT_COMPONENTS.horizontalpodautoscaling, "horizontal-pod-autoscaler");
});

test("a controller whose own credentials cannot be had runs with the manager's client", async () => {
  const api = await startTestServer();
  const client = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
  const abort = new AbortController();
  const logs: string[] = [];
  let asked = 0;
  const running = runControllerManager(
    {
      client,
      clock: api.clock,
      controllers: ["ttl-after-finished"],
      clientFor: async () => {
        asked++;
        throw new Error("token request refused");
      },
      log: (msg) => logs.push(msg),
    },
    abort.signal,
  );
  try {
    // Retries wait on the (fake) clock: advance it until the manager gives up.
    for (let i = 0; i < 200 && !logs.includes("controllers started"); i++) {
      api.clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(
      logs.includes("controller credentials unavailable; using the manager's"),
      logs.join(),
    );
    assert.ok(logs.includes("controllers started"), logs.join());
    assert.equal(asked, 5);
  } finally {
    abort.abort();
    await running;
    client.close();
    await api.close();
  }
});

test(
  "stopped while informers are in error back-off (a resource not served), every controller returns and informers stop",
  {
    timeout: 120_000,
  },
  async () => {
    const api = await startTestServer();
    const real = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
    // Every LIST of pods fails as for a resource the server does not serve.
    let podLists = 0;
    const notServed = (ref: ResourceRef) => ref.resource === "pods";
    const client = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === "list")
          return async (ref: ResourceRef, ...rest: unknown[]) => {
            if (!notServed(ref)) return (target.list as (...a: unknown[]) => unknown)(ref, ...rest);
            podLists++;
            throw new ApiError(404, undefined, "the server could not find the requested resource");
          };
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const abort = new AbortController();
    const logs: string[] = [];
    const running = runControllerManager(
      { client, clock: api.clock, log: (msg) => logs.push(msg) },
      abort.signal,
    );
    try {
      await until("pods listed and failed", () => logs.includes("informer error") && podLists > 0);
      // Back-off timers fire on the fake clock: a few rounds of errors.
      for (let i = 0; i < 5; i++) {
        api.clock.advance(1000);
        await new Promise((r) => setTimeout(r, 10));
      }
      abort.abort();
      await running;
      const [errors, lists] = [logs.filter((l) => l === "informer error").length, podLists];
      // Nothing retries once stopped: advancing the clock past every back-off lists nothing.
      for (let i = 0; i < 10; i++) {
        api.clock.advance(30_000);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(podLists, lists);
      assert.equal(logs.filter((l) => l === "informer error").length, errors);
      assert.ok(!logs.includes("controller failed"), logs.join());
    } finally {
      abort.abort();
      await running;
      real.close();
      await api.close();
    }
  },
);

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  controllerStarters,
  enabledControllers,
  EVENT_COMPONENTS,
  unknownControllers,
} from "./manager.ts";

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

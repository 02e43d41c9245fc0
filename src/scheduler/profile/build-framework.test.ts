import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { SchedulerCache } from "../cache/cache.ts";
import { inTreeRegistry } from "../plugins/registry.ts";
import { buildFramework } from "./build-framework.ts";
import { defaultConfiguration, SchedulerConfigError, type Profile } from "./config.ts";

const deps = {
  clock: new FakeClock(),
  snapshot: () => new SchedulerCache(),
  namespaceLabels: () => undefined,
  lister: () => ({ get: () => undefined, list: () => [] }),
};
const build = (p: Profile) => buildFramework(p, inTreeRegistry(), deps);

test("default profile: upstream plugin order and weights", () => {
  const fw = build({ schedulerName: "default-scheduler" });
  assert.deepEqual(
    fw.plugins.filter.map((p) => p.name),
    [
      "NodeUnschedulable",
      "NodeName",
      "TaintToleration",
      "NodeAffinity",
      "NodePorts",
      "NodeResourcesFit",
      "VolumeBinding",
      "PodTopologySpread",
      "InterPodAffinity",
    ],
  );
  assert.deepEqual(
    fw.plugins.score.map((s) => `${s.plugin.name}:${s.weight}`),
    [
      "TaintToleration:3",
      "NodeAffinity:2",
      "NodeResourcesFit:1",
      "PodTopologySpread:2",
      "InterPodAffinity:2",
      "NodeResourcesBalancedAllocation:1",
      "ImageLocality:1",
    ],
  );
  assert.deepEqual(
    fw.plugins.postFilter.map((p) => p.name),
    ["DefaultPreemption"],
  );
  assert.deepEqual(
    fw.plugins.bind.map((p) => p.name),
    ["DefaultBinder"],
  );
});

test("plugin enable/disable and weights per extension point", () => {
  const cases: { name: string; profile: Profile; check(fw: ReturnType<typeof build>): void }[] = [
    {
      name: "disable a score plugin and reweight another",
      profile: {
        schedulerName: "s",
        plugins: {
          score: {
            disabled: [{ name: "ImageLocality" }],
            enabled: [{ name: "NodeAffinity", weight: 7 }],
          },
        },
      },
      check: (fw) => {
        assert.ok(!fw.plugins.score.some((s) => s.plugin.name === "ImageLocality"));
        assert.equal(fw.plugins.score.find((s) => s.plugin.name === "NodeAffinity")!.weight, 7);
      },
    },
    {
      name: "'*' disables every default of the point",
      profile: {
        schedulerName: "s",
        plugins: {
          score: { disabled: [{ name: "*" }], enabled: [{ name: "NodeResourcesFit", weight: 1 }] },
        },
      },
      check: (fw) =>
        assert.deepEqual(
          fw.plugins.score.map((s) => s.plugin.name),
          ["NodeResourcesFit"],
        ),
    },
    {
      name: "multiPoint disable removes a plugin everywhere",
      profile: {
        schedulerName: "s",
        plugins: {
          multiPoint: { disabled: [{ name: "DefaultPreemption" }, { name: "TaintToleration" }] },
        },
      },
      check: (fw) => {
        assert.equal(fw.plugins.postFilter.length, 0);
        assert.ok(!fw.plugins.filter.some((p) => p.name === "TaintToleration"));
      },
    },
    {
      name: "pluginConfig reaches the plugin",
      profile: {
        schedulerName: "s",
        pluginConfig: [
          { name: "NodeResourcesFit", args: { scoringStrategy: { type: "MostAllocated" } } },
        ],
      },
      check: (fw) => assert.ok(fw.plugins.score.some((s) => s.plugin.name === "NodeResourcesFit")),
    },
  ];
  for (const c of cases) c.check(build(c.profile));
});

test("configuration errors", () => {
  assert.throws(
    () => build({ schedulerName: "s", plugins: { filter: { enabled: [{ name: "Nope" }] } } }),
    /plugin "Nope" does not exist/,
  );
  assert.throws(
    () =>
      build({ schedulerName: "s", plugins: { filter: { enabled: [{ name: "ImageLocality" }] } } }),
    /does not extend filter/,
  );
  assert.throws(
    () => defaultConfiguration({ profiles: [{ schedulerName: "a" }, { schedulerName: "a" }] }),
    (e: unknown) => e instanceof SchedulerConfigError && /Duplicate value: "a"/.test(e.message),
  );
  assert.throws(
    () => defaultConfiguration({ percentageOfNodesToScore: 120 }),
    /not in valid range/,
  );
  const d = defaultConfiguration();
  assert.equal(d.profiles[0]!.schedulerName, "default-scheduler");
  assert.equal(d.leaderElection.leaseDuration, "15s");
  assert.equal(d.podMaxBackoffSeconds, 10);
});

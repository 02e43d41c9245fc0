import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { addNodeLifecycleFlags, nodeLifecycleSettings } from "./node-lifecycle-flags.ts";

/** Parses argv with the flags declared on a bare command, as `k8ts server` and `controller-manager` do. */
function parse(argv: string[]) {
  const cmd = addNodeLifecycleFlags(new Command("x")).exitOverride();
  cmd.parse(argv, { from: "user" });
  return nodeLifecycleSettings(cmd.opts());
}

test("node lifecycle flags: upstream defaults, overrides, and upstream's error words", () => {
  const cases: [string[], unknown][] = [
    [
      [],
      {
        nodeMonitorGracePeriodMs: 50_000,
        zoneEviction: {
          nodeEvictionRate: 0.1,
          secondaryNodeEvictionRate: 0.01,
          unhealthyZoneThreshold: 0.55,
          largeClusterSizeThreshold: 50,
        },
      },
    ],
    [
      [
        "--node-monitor-grace-period=1m30s",
        "--node-eviction-rate",
        "2",
        "--secondary-node-eviction-rate=0",
        "--unhealthy-zone-threshold=0.3",
        "--large-cluster-size-threshold=7",
      ],
      {
        nodeMonitorGracePeriodMs: 90_000,
        zoneEviction: {
          nodeEvictionRate: 2,
          secondaryNodeEvictionRate: 0,
          unhealthyZoneThreshold: 0.3,
          largeClusterSizeThreshold: 7,
        },
      },
    ],
    [
      ["--node-eviction-rate=fast"],
      'invalid argument "fast" for "--node-eviction-rate" flag: expected a number >= 0',
    ],
    [
      ["--large-cluster-size-threshold=-1"],
      'invalid argument "-1" for "--large-cluster-size-threshold" flag: expected a number >= 0',
    ],
  ];
  for (const [argv, want] of cases) assert.deepEqual(parse(argv), want, argv.join(" "));
  const bad = parse(["--node-monitor-grace-period=soon"]);
  assert.match(String(bad), /^invalid argument "soon" for "--node-monitor-grace-period" flag: /);
  // Unset fields (a caller building flags by hand) keep the defaults.
  assert.deepEqual(nodeLifecycleSettings({ nodeEvictionRate: "1" }), {
    nodeMonitorGracePeriodMs: 50_000,
    zoneEviction: {
      nodeEvictionRate: 1,
      secondaryNodeEvictionRate: 0.01,
      unhealthyZoneThreshold: 0.55,
      largeClusterSizeThreshold: 50,
    },
  });
});

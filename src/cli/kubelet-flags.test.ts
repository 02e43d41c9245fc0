import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { addKubeletNodeFlags, KubeletFlagError, kubeletNodeOptions } from "./kubelet-flags.ts";
import { registerAgentCommand } from "./agent.ts";
import { registerKubeletCommand } from "./kubelet.ts";
import { registerServerCommand } from "./server.ts";

/** The kubelet options a command line gives (options parsed, action not run). */
function optionsOf(cmd: Command, argv: string[]) {
  cmd.parseOptions(argv);
  return kubeletNodeOptions(cmd.opts());
}

test("defaults are upstream's", () => {
  const o = optionsOf(addKubeletNodeFlags(new Command("x")), []);
  assert.deepEqual(o, {
    evictionHard: undefined,
    evictionSoft: undefined,
    evictionSoftGracePeriod: undefined,
    evictionMinimumReclaim: undefined,
    evictionMaxPodGracePeriod: 0,
    evictionPressureTransitionMs: 300_000,
    imageGC: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 },
    containerGC: { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 },
    shutdown: { gracePeriodMs: 0, criticalGracePeriodMs: 0 },
  });
});

test("every flag reaches the kubelet options", () => {
  const o = optionsOf(addKubeletNodeFlags(new Command("x")), [
    "--eviction-hard=memory.available<200Mi",
    "--eviction-soft",
    "nodefs.available<20%",
    "--eviction-soft-grace-period",
    "nodefs.available=1m30s",
    "--eviction-max-pod-grace-period",
    "30",
    "--eviction-minimum-reclaim",
    "nodefs.available=1Gi",
    "--eviction-pressure-transition-period",
    "30s",
    "--image-gc-high-threshold",
    "90",
    "--image-gc-low-threshold",
    "70",
    "--image-minimum-gc-age",
    "1h",
    "--minimum-container-ttl-duration",
    "1m",
    "--maximum-dead-containers-per-container",
    "2",
    "--maximum-dead-containers",
    "100",
    "--shutdown-grace-period",
    "30s",
    "--shutdown-grace-period-critical-pods",
    "10s",
  ]);
  assert.deepEqual(o, {
    evictionHard: "memory.available<200Mi",
    evictionSoft: "nodefs.available<20%",
    evictionSoftGracePeriod: "nodefs.available=1m30s",
    evictionMinimumReclaim: "nodefs.available=1Gi",
    evictionMaxPodGracePeriod: 30,
    evictionPressureTransitionMs: 30_000,
    imageGC: { highThresholdPercent: 90, lowThresholdPercent: 70, minAgeMs: 3_600_000 },
    containerGC: { minAgeMs: 60_000, maxPerPodContainer: 2, maxContainers: 100 },
    shutdown: { gracePeriodMs: 30_000, criticalGracePeriodMs: 10_000 },
  });
  // "" turns hard eviction off.
  assert.equal(
    optionsOf(addKubeletNodeFlags(new Command("x")), ["--eviction-hard", ""]).evictionHard,
    "",
  );
});

test("bad values are rejected with the flag named", () => {
  const cases: [string[], RegExp][] = [
    [["--eviction-hard", "memory.available>1Gi"], /Cannot parse eviction threshold/],
    [["--eviction-soft", "memory.available<1Gi"], /grace period must be specified/],
    [["--eviction-max-pod-grace-period", "-1"], /--eviction-max-pod-grace-period -1/],
    [["--eviction-pressure-transition-period", "5 minutes"], /--eviction-pressure-transition/],
    [["--image-gc-high-threshold", "101"], /--image-gc-high-threshold 101/],
    [["--image-gc-low-threshold", "90"], /must be less than imageGCHighThresholdPercent/],
    [["--image-minimum-gc-age", "-1s"], /--image-minimum-gc-age -1s/],
    [["--maximum-dead-containers", "many"], /--maximum-dead-containers many/],
    [["--minimum-container-ttl-duration", "x"], /--minimum-container-ttl-duration x/],
    [["--shutdown-grace-period", "soon"], /--shutdown-grace-period soon/],
    [
      ["--shutdown-grace-period", "10s", "--shutdown-grace-period-critical-pods", "20s"],
      /shutdownGracePeriodCriticalPods \(20s\) must be <= shutdownGracePeriod \(10s\)/,
    ],
  ];
  for (const [argv, re] of cases)
    assert.throws(
      () => optionsOf(addKubeletNodeFlags(new Command("x")), argv),
      (err: unknown) => err instanceof KubeletFlagError && re.test(err.message),
      argv.join(" "),
    );
});

test("k8ts kubelet, server and agent declare the flags", () => {
  const program = new Command();
  registerKubeletCommand(program);
  registerServerCommand(program);
  registerAgentCommand(program);
  for (const name of ["kubelet", "server", "agent"]) {
    const cmd = program.commands.find((c) => c.name() === name)!;
    const o = optionsOf(cmd, [
      "--eviction-hard",
      "nodefs.available<5%",
      "--image-gc-high-threshold",
      "95",
      "--maximum-dead-containers",
      "5",
    ]);
    assert.equal(o.evictionHard, "nodefs.available<5%", name);
    assert.equal(o.imageGC?.highThresholdPercent, 95, name);
    assert.equal(o.containerGC?.maxContainers, 5, name);
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScaleArgs } from "./scale-args.ts";

test("parseScaleArgs", () => {
  assert.deepEqual(parseScaleArgs([]), {
    nodes: 100,
    pods: 3000,
    qps: 100,
    podThroughput: "auto",
    maxBacklog: 250,
    latencyQps: 5,
    churnQps: 20,
    timeoutS: 600,
    profile: "fast",
    simCpuProf: false,
    cl2: false,
    progressS: 10,
  });
  const a = parseScaleArgs(["--nodes", "5000", "--pods=150000", "--json", "out.json", "--quick"]);
  assert.equal(a.nodes, 5000);
  assert.equal(a.pods, 150000);
  assert.equal(a.json, "out.json");
  const dirs = parseScaleArgs(["--cpu-prof-dir", "p", "--heap-snapshot-dir=h"]);
  assert.deepEqual([dirs.cpuProfDir, dirs.heapSnapshotDir], ["p", "h"]);
  const full = parseScaleArgs(["--full", "--pods", "60000", "--sim-cpu-prof", "--cl2"]);
  assert.deepEqual(
    [full.nodes, full.pods, full.timeoutS, full.simCpuProf, full.cl2],
    [5000, 60000, 2400, true, true],
  );
  const paced = parseScaleArgs([
    "--pod-throughput",
    "20",
    "--latency-pods=50",
    "--max-backlog",
    "9",
  ]);
  assert.deepEqual([paced.podThroughput, paced.latencyPods, paced.maxBacklog], ["20", 50, 9]);
  const badArgs = [
    ["--pod-throughput", "fast"],
    ["--pod-throughput", "0"],
    ["--latency-qps", "0"],
    ["--nodes"],
    ["--nodes", "-1"],
    ["--bogus"],
    ["--qps", "x"],
    ["--churn-qps", "50"],
  ];
  for (const bad of badArgs)
    assert.throws(() => parseScaleArgs(bad), /Cannot parse/, bad.join(" "));
});

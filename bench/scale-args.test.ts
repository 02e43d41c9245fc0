import { test } from "node:test";
import assert from "node:assert/strict";
import { backendRunArgv, parseScaleArgs } from "./scale-args.ts";

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
    backend: "sqlite",
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
    ["--backend", "mysql"],
    ["--backend"],
    ["--backend", "etcd", "--datastore-endpoint", "etcd://127.0.0.1:2379"],
    ["--datastore-endpoint=sqlite:///x.db", "--backend=both"],
  ];
  for (const bad of badArgs)
    assert.throws(() => parseScaleArgs(bad), /Cannot parse/, bad.join(" "));
});

test("parseScaleArgs --backend", () => {
  assert.equal(parseScaleArgs(["--backend", "etcd"]).backend, "etcd");
  assert.equal(parseScaleArgs(["--backend=both"]).backend, "both");
  const ext = parseScaleArgs(["--backend", "sqlite", "--datastore-endpoint", "sqlite:///x.db"]);
  assert.deepEqual([ext.backend, ext.datastore], ["sqlite", "sqlite:///x.db"]);
});

test("backendRunArgv: one backend, its own JSON and profile dirs, other flags kept", () => {
  const argv = [
    "--nodes",
    "100",
    "--backend=both",
    "--json",
    "all.json",
    "--cpu-prof-dir=prof",
    "--heap-snapshot-dir",
    "heap",
    "--cl2",
  ];
  const run = backendRunArgv(argv, "etcd", "/tmp/x/etcd.json");
  assert.deepEqual(run, [
    "--nodes",
    "100",
    "--cpu-prof-dir",
    "prof/etcd",
    "--heap-snapshot-dir",
    "heap/etcd",
    "--cl2",
    "--backend",
    "etcd",
    "--json",
    "/tmp/x/etcd.json",
  ]);
  const parsed = parseScaleArgs(run);
  assert.deepEqual([parsed.backend, parsed.json, parsed.nodes], ["etcd", "/tmp/x/etcd.json", 100]);
});

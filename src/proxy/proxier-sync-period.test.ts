/**
 * Which syncs are full: the first, after a failure, forced ones, and
 * periodic ones only once a full sync is older than fullSyncPeriod
 * (upstream's one hour). A fake exec stands in for iptables and ip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import type { HostExec } from "./host-exec.ts";
import { Proxier } from "./proxier.ts";
import { makeService, makeSlice } from "./testing/builders.ts";

test("full syncs: first, forced, after a failure, and when the last full one is an hour old", async () => {
  const clock = new FakeClock();
  let failRestore = false;
  const restores: string[] = [];
  const exec: HostExec = async (cmd, _args, input) => {
    if (cmd.endsWith("-restore") && input?.includes("KUBE-SVC-")) {
      if (failRestore) return { code: 1, stdout: "", stderr: "injected" };
      restores.push(input);
    }
    return { code: 0, stdout: "", stderr: "" };
  };
  const proxier = new Proxier({
    exec,
    clock,
    nodeName: "node1",
    clusterCIDR: "10.42.0.0/16",
    iptablesBackend: "legacy",
    clearConntrack: false,
    minSyncPeriodMs: 0,
    syncPeriodMs: 30_000,
    fullSyncPeriodMs: 3_600_000,
  });
  for (const name of ["a", "b"]) {
    proxier.onServiceAdd(makeService(name, name === "a" ? "10.43.0.10" : "10.43.0.11"));
    proxier.onEndpointSliceAdd(makeSlice(name, [{ ip: name === "a" ? "10.42.0.2" : "10.42.0.3" }]));
  }
  const steps: { name: string; run: () => Promise<unknown>; full: boolean; written: number }[] = [
    { name: "first sync", run: () => proxier.sync(), full: true, written: 2 },
    { name: "periodic, nothing changed", run: () => proxier.sync(), full: false, written: 0 },
    {
      name: "one endpoint change",
      run: async () => {
        proxier.onEndpointSliceUpdate(undefined, makeSlice("a", [{ ip: "10.42.0.4" }]));
        return proxier.sync();
      },
      full: false,
      written: 1,
    },
    { name: "forced", run: () => proxier.sync(true), full: true, written: 2 },
    {
      name: "59 minutes later",
      run: async () => {
        clock.advance(59 * 60_000);
        return proxier.sync();
      },
      full: false,
      written: 0,
    },
    {
      name: "an hour after the last full sync",
      run: async () => {
        clock.advance(60_000);
        return proxier.sync();
      },
      full: true,
      written: 2,
    },
  ];
  for (const s of steps) {
    await s.run();
    const r = proxier.lastResult!;
    assert.ok(r.ok, `${s.name}: ${r.error}`);
    assert.equal(r.full, s.full, `${s.name}: full`);
    assert.equal(r.servicesWritten, s.written, `${s.name}: services written`);
  }
  // A failed restore makes the next sync full.
  failRestore = true;
  proxier.onEndpointSliceUpdate(undefined, makeSlice("b", [{ ip: "10.42.0.5" }]));
  assert.equal((await proxier.sync()).ok, false);
  failRestore = false;
  const after = await proxier.sync();
  assert.ok(after.ok && after.full, "the sync after a failure is full");
  assert.ok(restores.at(-1)!.includes("10.42.0.5"), "the failed change is written");
  proxier.stop();
});

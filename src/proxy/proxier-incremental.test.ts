/**
 * What a sync runs on the host, with a fake exec: full syncs with
 * iptables-nft commit in batches, partial syncs run only what their changes
 * need (no route commands for endpoint-only changes), and the proxier's
 * incremental endpoint count switches large-cluster mode both ways.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostExec } from "./host-exec.ts";
import { largeClusterEndpointsThreshold, Proxier } from "./proxier.ts";
import { makeService, makeSlice } from "./testing/builders.ts";

function fakeHost() {
  const calls: { cmd: string; args: string[]; input?: string }[] = [];
  const state = { failRestores: 0 };
  const exec: HostExec = async (cmd, args, input) => {
    calls.push({ cmd, args, input });
    if (cmd.endsWith("-restore") && input?.includes("KUBE-SVC-") && state.failRestores > 0) {
      state.failRestores--;
      return { code: 1, stdout: "", stderr: "injected" };
    }
    return { code: 0, stdout: "", stderr: "" };
  };
  const proxier = new Proxier({
    exec,
    nodeName: "node1",
    clusterCIDR: "10.42.0.0/16",
    serviceCIDR: "10.43.0.0/16",
    iptablesBackend: "nft",
    fullSyncBatchPorts: 1,
    clearConntrack: false,
    minSyncPeriodMs: 0,
    syncPeriodMs: 0,
  });
  const take = () => calls.splice(0);
  return { proxier, state, take };
}

const restoreOf = (calls: { cmd: string; input?: string }[]) =>
  calls.filter((c) => c.cmd === "iptables-nft-restore" && c.input?.includes("KUBE-SVC-")).at(-1)
    ?.input ?? "";
const routeBatch = (calls: { cmd: string; args: string[]; input?: string }[]) =>
  calls.find((c) => c.cmd === "ip" && c.args.includes("-batch"))?.input ?? "";

test("syncs run what their changes need", async () => {
  const { proxier, state, take } = fakeHost();
  for (const [i, n] of ["a", "b", "c"].entries()) {
    proxier.onServiceAdd(makeService(n, `10.43.0.${10 + i}`));
    proxier.onEndpointSliceAdd(makeSlice(n, [{ ip: `10.42.0.${10 + i}` }]));
  }
  const first = await proxier.sync();
  assert.ok(first.ok && first.full, first.error);
  let calls = take();
  // Three one-port batches, the filter table, the top-level chains.
  assert.equal(restoreOf(calls).match(/^COMMIT$/gm)?.length, 5);
  assert.match(routeBatch(calls), /10\.43\.0\.10\/32[\s\S]*10\.43\.0\.12\/32/);

  proxier.onEndpointSliceUpdate(undefined, makeSlice("b", [{ ip: "10.42.0.20" }]));
  const partial = await proxier.sync();
  assert.ok(partial.ok && !partial.full && partial.servicesWritten === 1, partial.error);
  calls = take();
  assert.equal(restoreOf(calls).match(/^COMMIT$/gm)?.length, 1);
  assert.equal(routeBatch(calls), "", "an endpoint change touches no routes");
  assert.ok(!calls.some((c) => c.cmd.endsWith("-save")), "a partial sync reads no tables");

  proxier.onServiceDelete(makeService("c", "10.43.0.12"));
  assert.ok((await proxier.sync()).ok);
  assert.match(routeBatch(take()), /^route del 10\.43\.0\.12\/32/m);

  // A batched full sync failing part way: the next sync is full again and writes everything.
  state.failRestores = 1;
  assert.equal((await proxier.sync(true)).ok, false);
  take();
  const repaired = await proxier.sync();
  assert.ok(repaired.ok && repaired.full && repaired.servicesWritten === 2, repaired.error);
  assert.match(restoreOf(take()), /10\.42\.0\.20:8080/);
  proxier.stop();
});

test("the endpoint count switches large-cluster mode on and off (each a full sync)", async () => {
  const { proxier, take } = fakeHost();
  const many = Array.from({ length: largeClusterEndpointsThreshold + 1 }, (_, i) => ({
    ip: `10.42.${i >> 8}.${i & 255}`,
  }));
  proxier.onServiceAdd(makeService("big", "10.43.0.10"));
  proxier.onServiceAdd(makeService("small", "10.43.0.11"));
  proxier.onEndpointSliceAdd(makeSlice("small", [{ ip: "10.42.9.9" }]));
  assert.ok((await proxier.sync()).ok);
  const sepCommented = (text: string) => /^-A KUBE-SEP-\S+ -m comment/m.test(text);
  assert.ok(sepCommented(restoreOf(take())), "small cluster: endpoint rules carry comments");
  const steps = [
    { name: "over the threshold", slice: makeSlice("big", many), large: true },
    { name: "back under it", slice: makeSlice("big", many.slice(0, 10)), large: false },
  ];
  for (const s of steps) {
    proxier.onEndpointSliceUpdate(undefined, s.slice);
    const r = await proxier.sync();
    assert.ok(r.ok && r.full, `${s.name}: full sync`);
    assert.equal(sepCommented(restoreOf(take())), !s.large, s.name);
  }
  proxier.stop();
});

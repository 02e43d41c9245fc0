/**
 * Leader election over a real Lease (in-process API server, one fake clock):
 * a second candidate takes over only after leaseDuration without the record
 * changing (timed on its own clock), renewals keep it out, and a leader
 * stopping cleanly releases the lease at once.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.ts";
import { startTestServer, type TestServer } from "../apiserver/testing/test-server.ts";
import { LeaderElector } from "./leader-election.ts";
import { leasesRef } from "./resources.ts";
import { RestClient } from "./rest-client.ts";

let api: TestServer;
let client: RestClient;

before(async () => {
  api = await startTestServer();
  client = new RestClient({ server: api.server.url, qps: 1000, burst: 1000 });
});

after(async () => {
  client.close();
  await api.close();
});

const elector = (name: string, identity: string, log: string[] = []) =>
  new LeaderElector(client, {
    namespace: "kube-system",
    name,
    identity,
    clock: api.clock,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });

const holder = async (name: string) =>
  (
    await client.get<KObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } }>(
      leasesRef,
      "kube-system",
      name,
    )
  ).spec;

test("a silent leader's lease is taken over after leaseDuration (15 s)", async () => {
  const a = elector("silent", "a");
  const b = elector("silent", "b");
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  api.clock.advance(14_000);
  assert.equal(await b.tryAcquireOrRenew(), false, "not yet expired at 14 s");
  api.clock.advance(1_000);
  assert.equal(await b.tryAcquireOrRenew(), true, "expired at 15 s");
  assert.deepEqual(
    {
      holder: (await holder("silent"))?.holderIdentity,
      transitions: (await holder("silent"))?.leaseTransitions,
    },
    { holder: "b", transitions: 1 },
  );
  assert.equal(await a.tryAcquireOrRenew(), false, "the old leader sees b's record");
});

test("renewals keep another candidate out", async () => {
  const a = elector("renewed", "a");
  const b = elector("renewed", "b");
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  for (let i = 0; i < 5; i++) {
    api.clock.advance(10_000);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false, `after ${(i + 1) * 10} s`);
  }
});

test("a leader stopping cleanly releases the lease", async () => {
  const log: string[] = [];
  const a = elector("released", "a", log);
  const stop = new AbortController();
  const running = a.run(stop.signal);
  for (let i = 0; i < 500 && !a.isLeader(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(a.isLeader(), true);
  stop.abort();
  await running;
  assert.deepEqual(log, ["a leads", "a stopped"]);
  assert.equal((await holder("released"))?.holderIdentity, "");
  assert.equal(await elector("released", "b").tryAcquireOrRenew(), true, "no need to wait 15 s");
});

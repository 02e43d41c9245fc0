/**
 * API server identity leases: upstream's name for a hostname, the Lease's
 * labels and holder, renewal in place, a new holder per process, and
 * garbage collection of leases not renewed within their duration (on the
 * in-process API server's fake clock).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../api/types.ts";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import type { Clock } from "../client/clock.ts";
import { leasesRef } from "../client/resources.ts";
import { ApiServerIdentityLease, apiServerIdentity, IDENTITY_LABEL } from "./apiserver-identity.ts";

test("apiServerIdentity: base32 of SHA-256 over the length-prefixed hostname and kube-apiserver", () => {
  // Computed independently (Python: struct/hashlib/base64).
  const cases: [string, string][] = [
    ["master-1", "apiserver-wj467rbl25eeviqacfhvg2yvnm"],
    ["s1", "apiserver-2a7lobc6br72iyokqk7axnwzoi"],
    ["", "apiserver-2ikcnb3wory4bpirwz777r2iv4"],
  ];
  for (const [host, want] of cases) assert.equal(apiServerIdentity(host), want, host);
});

const api = useTestServer();
const client = useRestClient(api);

type Lease = KObject & {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
};
const lease = (name: string) => client.get<Lease>(leasesRef, "kube-system", name);
const names = async () =>
  (
    await client.list<Lease>(leasesRef, "kube-system", {
      labelSelector: `${IDENTITY_LABEL}=kube-apiserver`,
    })
  ).items
    .map((l) => l.metadata!.name!)
    .sort();

test("each server keeps its own labelled lease, renewed in place; a restarted server takes it over", async () => {
  const s1 = new ApiServerIdentityLease({ client, hostname: "s1", clock: api.clock });
  const s2 = new ApiServerIdentityLease({ client, hostname: "s2", clock: api.clock });
  await s1.renew();
  await s2.renew();
  assert.deepEqual(await names(), [apiServerIdentity("s1"), apiServerIdentity("s2")].sort());
  const first = await lease(s1.name);
  assert.deepEqual(first.metadata?.labels, {
    [IDENTITY_LABEL]: "kube-apiserver",
    "kubernetes.io/hostname": "s1",
  });
  assert.match(first.spec!.holderIdentity!, new RegExp(`^${s1.name}_[0-9a-f-]{36}$`));
  assert.equal(first.spec?.leaseDurationSeconds, 3600);

  api.clock.advance(10_000);
  await s1.renew();
  const renewed = await lease(s1.name);
  assert.equal(Date.parse(renewed.spec!.renewTime!) - Date.parse(first.spec!.renewTime!), 10_000);
  assert.equal(renewed.metadata?.uid, first.metadata?.uid, "the same Lease object");

  const restarted = new ApiServerIdentityLease({ client, hostname: "s1", clock: api.clock });
  assert.notEqual(restarted.holder, s1.holder, "a new holder per process");
  await restarted.renew();
  assert.equal((await lease(s1.name)).spec?.holderIdentity, restarted.holder);
  assert.deepEqual(await names(), [apiServerIdentity("s1"), apiServerIdentity("s2")].sort());
});

test("leases not renewed within their duration are collected; live ones stay", async () => {
  const gone = new ApiServerIdentityLease({ client, hostname: "gone", clock: api.clock });
  const live = new ApiServerIdentityLease({ client, hostname: "live", clock: api.clock });
  await gone.renew();
  await live.renew();
  api.clock.advance(3_600_000); // exactly the duration: not yet expired
  await live.renew();
  assert.deepEqual(await live.collect(), []);
  api.clock.advance(1);
  const collected = await live.collect();
  assert.ok(collected.includes(gone.name), collected.join(", "));
  assert.ok(!collected.includes(live.name));
  assert.ok(!(await names()).includes(gone.name));
  assert.ok((await names()).includes(live.name));
});

test("run() renews every interval of its clock until aborted", async () => {
  // The server's clock, with this lease's timers recorded.
  const waits: number[] = [];
  const clock: Clock = {
    now: () => api.clock.now(),
    after: (ms, fn) => (waits.push(ms), api.clock.after(ms, fn)),
  };
  const s = new ApiServerIdentityLease({ client, hostname: "runner", clock });
  const stop = new AbortController();
  const running = s.run(stop.signal);
  const renewTime = async () => {
    try {
      return Date.parse((await lease(s.name)).spec!.renewTime!);
    } catch {
      return undefined;
    }
  };
  const until = async (what: string, fn: () => Promise<boolean>) => {
    for (let i = 0; i < 3000 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(await fn(), what);
  };
  await until("first renewal", async () => (await renewTime()) !== undefined);
  const t0 = (await renewTime())!;
  await until("next renewal scheduled", async () => waits.length === 1);
  assert.deepEqual(waits, [10_000]);
  api.clock.advance(10_000);
  await until("renewed 10 s later", async () => (await renewTime()) === t0 + 10_000);
  stop.abort();
  await running;
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import { FakeClock } from "../client/clock.ts";
import { leasesRef, namespacesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { LeaseRenewer } from "./lease-renewer.ts";

const api = useTestServer();
const client = useRestClient(api);

type LeaseObj = KObject & {
  spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number };
};

/** The client with every request counted as `VERB resource` (and the objects PUT kept). */
function counting(): { c: typeof client; calls: string[]; sent: KObject[] } {
  const calls: string[] = [];
  const sent: KObject[] = [];
  const c = Object.create(client) as typeof client;
  for (const verb of ["get", "create", "update", "patch"] as const) {
    const orig = (client[verb] as (...a: unknown[]) => unknown).bind(client);
    (c as unknown as Record<string, unknown>)[verb] = (
      ref: { resource: string },
      ...rest: unknown[]
    ) => {
      calls.push(`${verb} ${ref.resource}`);
      if (verb === "update") sent.push(rest[0] as KObject);
      return orig(ref, ...rest);
    };
  }
  return { c, calls, sent };
}

test("LeaseRenewer.create: one POST owned by the Node, then one PUT per renewal; an existing Lease is renewed", async () => {
  await client
    .create(namespacesRef, undefined, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "kube-node-lease" },
    })
    .catch(() => {});
  const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
  const { c, calls, sent } = counting();
  const r = new LeaseRenewer(c, clock, "lease-node-0");
  await r.create("uid-0");
  assert.deepEqual(calls, ["create leases"]);
  const lease = await client.get<LeaseObj>(leasesRef, "kube-node-lease", "lease-node-0");
  assert.deepEqual(lease.metadata?.ownerReferences, [
    { apiVersion: "v1", kind: "Node", name: "lease-node-0", uid: "uid-0" },
  ]);
  assert.equal(lease.spec.holderIdentity, "lease-node-0");
  assert.equal(lease.spec.leaseDurationSeconds, 40);
  assert.equal(lease.spec.renewTime, "2026-01-01T00:00:00.000000Z");

  clock.advance(10_000);
  await r.renew();
  assert.deepEqual(calls, ["create leases", "update leases"]);
  assert.equal(
    (await client.get<LeaseObj>(leasesRef, "kube-node-lease", "lease-node-0")).spec.renewTime,
    "2026-01-01T00:00:10.000000Z",
  );
  assert.equal(r.renewals, 2);
  // The PUT carries no managedFields; the server keeps the stored entries.
  assert.equal(sent[0]?.metadata?.managedFields, undefined);
  const stored = await client.get<LeaseObj>(leasesRef, "kube-node-lease", "lease-node-0");
  assert.ok(
    stored.metadata?.managedFields?.some((e) => JSON.stringify(e.fieldsV1).includes("f:renewTime")),
    JSON.stringify(stored.metadata?.managedFields),
  );

  // Another simulator adopting the node: AlreadyExists, then read and renewed.
  const again = counting();
  const r2 = new LeaseRenewer(again.c, clock, "lease-node-0");
  clock.advance(10_000);
  await r2.create("uid-0");
  assert.deepEqual(again.calls, ["create leases", "get leases", "update leases"]);
  assert.equal(
    (await client.get<LeaseObj>(leasesRef, "kube-node-lease", "lease-node-0")).spec.renewTime,
    "2026-01-01T00:00:20.000000Z",
  );
  assert.equal(r2.renewals, 1);
});

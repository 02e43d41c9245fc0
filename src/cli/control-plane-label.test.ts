import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import { nodesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { useRestClient, useTestServer } from "../apiserver/testing/test-server.ts";
import { CONTROL_PLANE_LABEL, labelControlPlaneNode } from "./control-plane-label.ts";

const api = useTestServer();
const client = useRestClient(api);
const node = (name: string): KObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "kubernetes.io/hostname": name } },
});

test("the server's node gets the control-plane label once it registers, keeping its own labels", async () => {
  const clock = new FakeClock(0);
  const abort = new AbortController();
  const labelled = labelControlPlaneNode(client, "late", { clock, signal: abort.signal });
  // Not registered yet: the first patch fails and a retry waits on the clock.
  for (let i = 0; i < 6000 && clock.waiting() === 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(clock.waiting(), 1);
  await client.create(nodesRef, undefined, node("late"));
  clock.advance(1000);
  assert.equal(await labelled, true);
  const got = await client.get<KObject>(nodesRef, undefined, "late");
  assert.deepEqual(got.metadata?.labels, {
    "kubernetes.io/hostname": "late",
    [CONTROL_PLANE_LABEL]: "true",
  });
});

test("stopping the server ends the wait for a node that never registers", async () => {
  const clock = new FakeClock(0);
  const abort = new AbortController();
  const labelled = labelControlPlaneNode(client, "never", { clock, signal: abort.signal });
  abort.abort();
  assert.equal(await labelled, false);
});

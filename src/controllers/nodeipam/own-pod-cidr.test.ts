import { test } from "node:test";
import assert from "node:assert/strict";
import { realClock } from "../../client/clock.ts";
import { nodesRef } from "../../client/resources.ts";
import { useRestClient, useTestServer } from "../../apiserver/testing/test-server.ts";
import { until } from "../testing.ts";
import { defaultServerPodCidr, ownNodePodCidr, serverReservedCidrs } from "./own-pod-cidr.ts";

const api = useTestServer();
const client = useRestClient(api);

test("serverReservedCidrs: only a given --pod-cidr of a server running a node", () => {
  const cases: [string | undefined, boolean, string[]][] = [
    ["10.42.5.0/24", false, ["10.42.5.0/24"]],
    ["10.42.5.0/24", true, []],
    [undefined, false, []],
  ];
  for (const [cidr, disableAgent, want] of cases)
    assert.deepEqual(serverReservedCidrs(cidr, disableAgent), want, `${cidr} ${disableAgent}`);
});

test("ownNodePodCidr: the flag, else node IPAM's assignment, else the default", async () => {
  const base = { client, clock: realClock, timeoutMs: 60_000 };
  assert.equal(
    await ownNodePodCidr({ ...base, nodeName: "s1", podCidr: "10.42.9.0/24", nodeIpam: true }),
    "10.42.9.0/24",
  );
  assert.equal(
    await ownNodePodCidr({ ...base, nodeName: "s2", nodeIpam: false }),
    defaultServerPodCidr,
  );
  await assert.rejects(client.get(nodesRef, undefined, "s2"), "no node registered without IPAM");
  const logs: string[] = [];
  const waiting = ownNodePodCidr({
    ...base,
    nodeName: "s3",
    nodeIpam: true,
    log: (m) => logs.push(m),
  });
  // Node IPAM's part, played here: the registered node gets a CIDR.
  await until("node registered", () =>
    client.get(nodesRef, undefined, "s3").catch(() => undefined),
  );
  await client.patch(nodesRef, undefined, "s3", "merge", {
    spec: { podCIDR: "10.42.3.0/24", podCIDRs: ["10.42.3.0/24"] },
  });
  assert.equal(await waiting, "10.42.3.0/24");
  assert.ok(logs.some((l) => l.includes("10.42.3.0/24 from node IPAM")));
});

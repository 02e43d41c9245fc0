import { test } from "node:test";
import assert from "node:assert/strict";
import { DevPlanError, planDevCluster, type DevPlanOptions } from "./dev-plan.ts";

test("a 3-node plan: names, addresses, roles and paths (pod CIDRs are node IPAM's)", () => {
  const p = planDevCluster({ name: "dev", nodes: 3, stateDir: "/s" });
  assert.deepEqual(
    p.nodes.map((n) => [n.name, n.role, n.netns, n.ip, n.hubLink, n.dataDir]),
    [
      ["dev-node1", "server", "k8ts-dev-n1", "172.29.0.11", "n1", "/s/node1"],
      ["dev-node2", "agent", "k8ts-dev-n2", "172.29.0.12", "n2", "/s/node2"],
      ["dev-node3", "agent", "k8ts-dev-n3", "172.29.0.13", "n3", "/s/node3"],
    ],
  );
  assert.ok(p.nodes.every((n) => !("podCIDR" in n)));
  assert.equal(p.hubNetns, "k8ts-dev-hub");
  assert.equal(p.server, "https://172.29.0.11:6443");
  assert.equal(p.kubeconfig, "/s/node1/admin.kubeconfig");
  assert.equal(p.prefixLength, 24);
  assert.equal(p.cgroupRoot, "/k8ts-dev-dev");
  assert.deepEqual([p.clusterCIDR, p.serviceCIDR], ["10.42.0.0/16", "10.43.0.0/16"]);
});

test("node subnets may be larger than /24; a cluster CIDR just big enough for the nodes", () => {
  const p = planDevCluster({
    name: "x",
    nodes: 4,
    stateDir: "/s",
    nodeCIDR: "192.168.4.0/22",
    clusterCIDR: "10.42.212.0/22",
  });
  assert.deepEqual(
    p.nodes.map((n) => n.ip),
    ["192.168.4.11", "192.168.4.12", "192.168.4.13", "192.168.4.14"],
  );
  assert.equal(p.prefixLength, 22);
  assert.equal(p.clusterCIDR, "10.42.212.0/22");
});

const bad: [string, Partial<DevPlanOptions>, RegExp][] = [
  ["upper-case name", { name: "Dev" }, /Invalid cluster name/],
  ["name too long for interface-free netns names", { name: "a".repeat(21) }, /at most 20/],
  ["zero nodes", { nodes: 0 }, /want 1 to 50/],
  ["fractional nodes", { nodes: 1.5 }, /want 1 to 50/],
  ["node CIDR smaller than /24", { nodeCIDR: "172.29.0.0/25" }, /\/24 or larger/],
  ["host bits", { nodeCIDR: "172.29.0.1/24" }, /host bits/],
  ["not a CIDR", { clusterCIDR: "10.42.0.0" }, /Cannot parse --cluster-cidr/],
  ["octet out of range", { clusterCIDR: "10.42.256.0/24" }, /Cannot parse --cluster-cidr/],
  ["cluster CIDR smaller than one node's /24", { clusterCIDR: "10.42.0.0/25" }, /fewer than 2/],
  [
    "cluster CIDR for fewer /24s than nodes",
    { nodes: 3, clusterCIDR: "10.42.0.0/23" },
    /fewer than 3/,
  ],
  [
    "node subnet inside the cluster CIDR",
    { nodeCIDR: "10.42.100.0/24" },
    /overlaps --cluster-cidr/,
  ],
  ["node subnet inside the service CIDR", { nodeCIDR: "10.43.7.0/24" }, /overlaps --service-cidr/],
  [
    "service CIDR inside the cluster CIDR",
    { serviceCIDR: "10.42.0.0/20" },
    /overlaps --cluster-cidr/,
  ],
];

for (const [what, over, message] of bad) {
  test(`refused: ${what}`, () => {
    assert.throws(
      () => planDevCluster({ name: "dev", nodes: 2, stateDir: "/s", ...over }),
      (err: unknown) => err instanceof DevPlanError && message.test(err.message),
    );
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { DevPlanError, planDevCluster, type DevPlanOptions } from "./dev-plan.ts";

test("a 3-node plan: names, addresses, pod CIDRs, roles and paths", () => {
  const p = planDevCluster({
    name: "dev",
    nodes: 3,
    stateDir: "/s",
    firstPodCIDR: "10.42.211.0/24",
  });
  assert.deepEqual(
    p.nodes.map((n) => [n.name, n.role, n.netns, n.ip, n.hubLink, n.podCIDR, n.dataDir]),
    [
      ["dev-node1", "server", "k8ts-dev-n1", "172.29.0.11", "n1", "10.42.211.0/24", "/s/node1"],
      ["dev-node2", "agent", "k8ts-dev-n2", "172.29.0.12", "n2", "10.42.212.0/24", "/s/node2"],
      ["dev-node3", "agent", "k8ts-dev-n3", "172.29.0.13", "n3", "10.42.213.0/24", "/s/node3"],
    ],
  );
  assert.equal(p.hubNetns, "k8ts-dev-hub");
  assert.equal(p.server, "https://172.29.0.11:6443");
  assert.equal(p.kubeconfig, "/s/node1/admin.kubeconfig");
  assert.equal(p.prefixLength, 24);
  assert.equal(p.cgroupRoot, "/k8ts-dev-dev");
  assert.deepEqual([p.clusterCIDR, p.serviceCIDR], ["10.42.0.0/16", "10.43.0.0/16"]);
});

test("pod CIDRs carry into the next octet and node subnets may be larger than /24", () => {
  const p = planDevCluster({
    name: "x",
    nodes: 2,
    stateDir: "/s",
    nodeCIDR: "192.168.4.0/22",
    clusterCIDR: "10.64.0.0/10",
    firstPodCIDR: "10.65.255.0/24",
  });
  assert.deepEqual(
    p.nodes.map((n) => [n.ip, n.podCIDR]),
    [
      ["192.168.4.11", "10.65.255.0/24"],
      ["192.168.4.12", "10.66.0.0/24"],
    ],
  );
  assert.equal(p.prefixLength, 22);
});

const bad: [string, Partial<DevPlanOptions>, RegExp][] = [
  ["upper-case name", { name: "Dev" }, /Invalid cluster name/],
  ["name too long for interface-free netns names", { name: "a".repeat(21) }, /at most 20/],
  ["zero nodes", { nodes: 0 }, /want 1 to 50/],
  ["fractional nodes", { nodes: 1.5 }, /want 1 to 50/],
  ["node CIDR smaller than /24", { nodeCIDR: "172.29.0.0/25" }, /\/24 or larger/],
  ["host bits", { nodeCIDR: "172.29.0.1/24" }, /host bits/],
  ["not a CIDR", { clusterCIDR: "10.42.0.0" }, /Cannot parse --cluster-cidr/],
  ["octet out of range", { firstPodCIDR: "10.42.256.0/24" }, /Cannot parse --first-pod-cidr/],
  ["pod CIDR not a /24", { firstPodCIDR: "10.42.0.0/23" }, /must be a \/24/],
  ["pod CIDRs past the cluster CIDR", { nodes: 3, firstPodCIDR: "10.42.254.0/24" }, /do not fit/],
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

/**
 * Node IPAM in `k8ts server` (its controller manager's nodeipam controller,
 * on by default): Node objects created with kubectl and no podCIDR get
 * distinct podCIDRs of --node-cidr-mask-size inside --cluster-cidr, never
 * one a node already has; kubectl shows them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;
// The controller manager starts once it holds its lease: generous on a loaded machine.
const wait = { timeoutMs: 120_000, context: () => cluster.logs().slice(-4000) };

before(async () => {
  cluster = await startCluster({
    args: ["--cluster-cidr", "10.88.0.0/16", "--node-cidr-mask-size", "26"],
  });
});

after(async () => {
  await cluster?.stop();
});

const nodeYaml = (name: string, podCIDR?: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  });

/** Whether `cidr` is a /26 inside 10.88.0.0/16. */
const inCluster = (cidr: string) => /^10\.88\.\d{1,3}\.(0|64|128|192)\/26$/.test(cidr);

test("nodes created without a podCIDR get distinct ones from the cluster CIDR", async () => {
  // One node brings its own podCIDR: the allocator must not hand it out again.
  await cluster.kubectlOk(["create", "-f", "-"], { input: nodeYaml("ipam-own", "10.88.0.0/26") });
  for (const name of ["ipam-a", "ipam-b"])
    await cluster.kubectlOk(["create", "-f", "-"], { input: nodeYaml(name) });
  const cidrs = await eventually(
    "both nodes have a podCIDR",
    async () => {
      const out = await cluster.kubectlOk([
        "get",
        "nodes",
        "ipam-a",
        "ipam-b",
        "-o",
        "jsonpath={..podCIDR}",
      ]);
      const got = out.trim().split(/\s+/).filter(Boolean);
      return got.length === 2 ? got : undefined;
    },
    wait,
  );
  for (const c of cidrs) assert.ok(inCluster(c), `${c} is a /26 of 10.88.0.0/16`);
  assert.notEqual(cidrs[0], cidrs[1]);
  assert.ok(!cidrs.includes("10.88.0.0/26"), `ipam-own's CIDR handed out again: ${cidrs}`);
  // spec.podCIDRs agrees with spec.podCIDR.
  const lists = await cluster.kubectlOk([
    "get",
    "nodes",
    "ipam-a",
    "ipam-b",
    "-o",
    'jsonpath={range .items[*]}{.spec.podCIDRs[*]}{"\\n"}{end}',
  ]);
  assert.deepEqual(lists.trim().split("\n"), cidrs);
  // All three shown by the command the issue names.
  const all = await cluster.kubectlOk(["get", "nodes", "-o", "jsonpath={..podCIDR}"]);
  assert.deepEqual(all.trim().split(/\s+/).sort(), [...cidrs, "10.88.0.0/26"].sort());
});

test("a deleted node's CIDR is released and a later node still gets a distinct one", async () => {
  const before = (await cluster.kubectlOk(["get", "nodes", "-o", "jsonpath={..podCIDR}"]))
    .trim()
    .split(/\s+/);
  await cluster.kubectlOk(["delete", "node", "ipam-a"]);
  await cluster.kubectlOk(["create", "-f", "-"], { input: nodeYaml("ipam-c") });
  const c = await eventually(
    "ipam-c has a podCIDR",
    async () => {
      const out = await cluster.kubectlOk([
        "get",
        "node",
        "ipam-c",
        "-o",
        "jsonpath={.spec.podCIDR}",
      ]);
      return out.trim() || undefined;
    },
    wait,
  );
  assert.ok(inCluster(c), c);
  const remaining = (await cluster.kubectlOk(["get", "nodes", "-o", "jsonpath={..podCIDR}"]))
    .trim()
    .split(/\s+/);
  assert.equal(new Set(remaining).size, remaining.length, `no CIDR twice: ${remaining}`);
  assert.equal(remaining.length, before.length);
});

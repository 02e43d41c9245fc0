/**
 * The layout of a `k8ts dev cluster` (like kind, without containers): one
 * "hub" network namespace holding a bridge, and one network namespace per
 * node joined to it by a veth pair, each node with its own address on the
 * bridge's subnet. Node 1 runs `k8ts server` (control plane and node), the
 * others `k8ts agent`. Pod CIDRs are not planned: as in a real cluster,
 * node IPAM (the server's nodeipam controller) gives each node a /24 of the
 * cluster CIDR. Pure: computing the plan touches nothing.
 */
import { join } from "node:path";

/** One node of a dev cluster. */
export interface DevNodePlan {
  /** 1-based. */
  index: number;
  /** Kubernetes node name: `<cluster>-node<i>`. */
  name: string;
  role: "server" | "agent";
  /** Network namespace (`ip netns` name) the node's processes run in. */
  netns: string;
  /** The node's InternalIP on the dev bridge. */
  ip: string;
  /** The veth end left in the hub, attached to the bridge. */
  hubLink: string;
  dataDir: string;
  logFile: string;
}

/** A whole dev cluster. */
export interface DevClusterPlan {
  name: string;
  stateDir: string;
  /** Namespace holding the bridge. */
  hubNetns: string;
  bridge: string;
  /** Subnet of node addresses on the bridge (a /24 or larger). */
  nodeCIDR: string;
  prefixLength: number;
  clusterCIDR: string;
  serviceCIDR: string;
  /** Root cgroup of every node's pods (own, so host pods are never touched). */
  cgroupRoot: string;
  nodes: DevNodePlan[];
  /** The admin kubeconfig node 1's server writes. */
  kubeconfig: string;
  /** `https://<node-1 IP>:6443`. */
  server: string;
}

export interface DevPlanOptions {
  name: string;
  nodes: number;
  stateDir: string;
  /** Default 172.29.0.0/24. */
  nodeCIDR?: string;
  /** Default 10.42.0.0/16. */
  clusterCIDR?: string;
  /** Default 10.43.0.0/16. */
  serviceCIDR?: string;
}

/** A plan that cannot be made, with the reason. */
export class DevPlanError extends Error {
  readonly code = "DevPlanInvalid";
}

const ipv4Cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function parseCidr(flag: string, cidr: string): { base: number; bits: number } {
  const m = ipv4Cidr.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = Number(m?.[5]);
  if (!m || octets.some((o) => o > 255) || bits > 32)
    throw new DevPlanError(`Cannot parse ${flag} ${JSON.stringify(cidr)}: want an IPv4 CIDR`);
  const base = octets.reduce((a, o) => a * 256 + o, 0);
  if (base % 2 ** (32 - bits) !== 0) throw new DevPlanError(`${flag} ${cidr} has host bits set`);
  return { base, bits };
}

const ipString = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

const contains = (outer: { base: number; bits: number }, ip: number) =>
  ip >= outer.base && ip < outer.base + 2 ** (32 - outer.bits);

/** Computes a dev cluster's names, addresses and paths; throws DevPlanError on bad input. */
export function planDevCluster(o: DevPlanOptions): DevClusterPlan {
  if (!/^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/.test(o.name))
    throw new DevPlanError(
      `Invalid cluster name ${JSON.stringify(o.name)}: lower-case letters, digits and '-', at most 20`,
    );
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 50)
    throw new DevPlanError(`Invalid --nodes ${o.nodes}: want 1 to 50`);
  const nodeCIDR = o.nodeCIDR ?? "172.29.0.0/24";
  const clusterCIDR = o.clusterCIDR ?? "10.42.0.0/16";
  const serviceCIDR = o.serviceCIDR ?? "10.43.0.0/16";
  const nodeNet = parseCidr("--node-cidr", nodeCIDR);
  const cluster = parseCidr("--cluster-cidr", clusterCIDR);
  const service = parseCidr("--service-cidr", serviceCIDR);
  if (nodeNet.bits > 24) throw new DevPlanError(`--node-cidr ${nodeCIDR} must be a /24 or larger`);
  // Node IPAM gives each node a /24 (its default mask size).
  if (cluster.bits > 24 || 2 ** (24 - cluster.bits) < o.nodes)
    throw new DevPlanError(
      `--cluster-cidr ${clusterCIDR} holds fewer than ${o.nodes} /24 node pod CIDRs`,
    );
  for (const [flag, net] of [
    ["--cluster-cidr", cluster],
    ["--service-cidr", service],
  ] as const) {
    if (contains(net, nodeNet.base) || contains(nodeNet, net.base))
      throw new DevPlanError(`--node-cidr ${nodeCIDR} overlaps ${flag}`);
  }
  if (contains(cluster, service.base) || contains(service, cluster.base))
    throw new DevPlanError(`--service-cidr ${serviceCIDR} overlaps --cluster-cidr ${clusterCIDR}`);
  const nodes: DevNodePlan[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const name = `${o.name}-node${i}`;
    const dataDir = join(o.stateDir, `node${i}`);
    nodes.push({
      index: i,
      name,
      role: i === 1 ? "server" : "agent",
      netns: `k8ts-${o.name}-n${i}`,
      // .1 stays free (a gateway by convention); nodes from .11 up.
      ip: ipString(nodeNet.base + 10 + i),
      hubLink: `n${i}`,
      dataDir,
      logFile: join(o.stateDir, `node${i}.log`),
    });
  }
  return {
    name: o.name,
    stateDir: o.stateDir,
    hubNetns: `k8ts-${o.name}-hub`,
    bridge: "br0",
    nodeCIDR,
    prefixLength: nodeNet.bits,
    clusterCIDR,
    serviceCIDR,
    cgroupRoot: `/k8ts-dev-${o.name}`,
    nodes,
    kubeconfig: join(nodes[0]!.dataDir, "admin.kubeconfig"),
    server: `https://${nodes[0]!.ip}:6443`,
  };
}

/**
 * The network of a `k8ts dev cluster`, made only of namespaces this code
 * creates: a hub namespace with a bridge, and per node a namespace whose
 * `eth0` is one end of a veth pair (the other end on the bridge). Before
 * anything is put on the pod or service CIDRs, every namespace gets
 * `unreachable` routes for the whole cluster and service CIDRs, so no
 * packet to those ranges can leave through any default route. Pod routes
 * between nodes are kube-proxy's (host-gw style, over this bridge).
 */
import { existsSync } from "node:fs";
import { mustExec, type HostExec } from "../proxy/host-exec.ts";
import type { DevClusterPlan } from "./dev-plan.ts";

/** Whether a named network namespace exists. */
export function netnsExists(name: string): boolean {
  return existsSync(`/var/run/netns/${name}`);
}

/** The namespaces a plan uses, nodes first, hub last. */
export function planNamespaces(plan: DevClusterPlan): string[] {
  return [...plan.nodes.map((n) => n.netns), plan.hubNetns];
}

/**
 * Creates the hub, the bridge and every node's namespace, link, address and
 * unreachable routes. Throws (HostCommandError) at the first failure,
 * leaving what exists for deleteDevNetwork.
 */
export async function createDevNetwork(plan: DevClusterPlan, exec: HostExec): Promise<void> {
  const taken = planNamespaces(plan).filter(netnsExists);
  if (taken.length)
    throw new Error(
      `Cannot create dev cluster ${plan.name}: network namespaces exist: ${taken.join(", ")}`,
    );
  const ip = (args: string[]) => mustExec(exec, "ip", args);
  const unreachable = async (ns: string) => {
    for (const cidr of [plan.clusterCIDR, plan.serviceCIDR])
      await ip(["-n", ns, "route", "replace", "unreachable", cidr]);
  };
  await ip(["netns", "add", plan.hubNetns]);
  await unreachable(plan.hubNetns);
  await ip(["-n", plan.hubNetns, "link", "set", "lo", "up"]);
  await ip(["-n", plan.hubNetns, "link", "add", plan.bridge, "type", "bridge"]);
  await ip(["-n", plan.hubNetns, "link", "set", plan.bridge, "up"]);
  for (const node of plan.nodes) {
    await ip(["netns", "add", node.netns]);
    await unreachable(node.netns);
    await ip(["-n", node.netns, "link", "set", "lo", "up"]);
    await ip([
      "link",
      "add",
      "name",
      "eth0",
      "netns",
      node.netns,
      "type",
      "veth",
      "peer",
      "name",
      node.hubLink,
      "netns",
      plan.hubNetns,
    ]);
    await ip(["-n", plan.hubNetns, "link", "set", node.hubLink, "master", plan.bridge]);
    await ip(["-n", plan.hubNetns, "link", "set", node.hubLink, "up"]);
    await ip(["-n", node.netns, "addr", "add", `${node.ip}/${plan.prefixLength}`, "dev", "eth0"]);
    await ip(["-n", node.netns, "link", "set", "eth0", "up"]);
    // Nodes forward between their pod bridge and eth0 (other nodes' pods).
    await mustExec(exec, "ip", [
      "netns",
      "exec",
      node.netns,
      "sysctl",
      "-q",
      "-w",
      "net.ipv4.ip_forward=1",
    ]);
  }
}

/** PIDs of the processes inside a network namespace (none when it does not exist). */
export async function netnsPids(exec: HostExec, ns: string): Promise<number[]> {
  if (!netnsExists(ns)) return [];
  const res = await exec("ip", ["netns", "pids", ns]);
  return res.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/**
 * Deletes every namespace of the plan (their links, addresses and routes
 * go with them). Idempotent. Processes still inside must have been stopped
 * first, or the namespaces live on unnamed; returns the ones that could not
 * be deleted.
 */
export async function deleteDevNetwork(plan: DevClusterPlan, exec: HostExec): Promise<string[]> {
  const failed: string[] = [];
  for (const ns of planNamespaces(plan)) {
    if (!netnsExists(ns)) continue;
    const res = await exec("ip", ["netns", "delete", ns]);
    if (res.code !== 0 && netnsExists(ns)) failed.push(`${ns}: ${res.stderr.trim()}`);
  }
  return failed;
}

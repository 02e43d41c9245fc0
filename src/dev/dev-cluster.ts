/**
 * `k8ts dev cluster` (like kind): N nodes on one machine, each in its own
 * network namespace on a bridge this code creates (see dev-network.ts).
 * Node 1 runs `k8ts server` (control plane, kubelet with its own
 * containerd, kube-proxy, DNS add-on) bound to its bridge address; the
 * others join it with `k8ts agent` and a bootstrap token. Processes run
 * detached, their PIDs kept in `<state-dir>/cluster.json`, so
 * `k8ts dev cluster delete` stops exactly them (then whatever is left inside
 * the namespaces it made), unmounts leftovers and deletes the namespaces
 * and the state dir.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { hostExec, mustExec, type ExecResult, type HostExec } from "../proxy/host-exec.ts";
import { deleteDevCluster } from "./dev-delete.ts";
import { createDevNetwork } from "./dev-network.ts";
import {
  planDevCluster,
  type DevClusterPlan,
  type DevNodePlan,
  type DevPlanOptions,
} from "./dev-plan.ts";
import { statePath, writeDevClusterState, type DevClusterState } from "./dev-state.ts";

export interface DevClusterOptions extends DevPlanOptions {
  /** The `k8ts` launcher to run in each node (bin/k8ts). */
  k8tsBin: string;
  exec?: HostExec;
  /** Host port (on 127.0.0.1) forwarded to the API server; 0 (default): a free one. */
  apiPort?: number;
  /** Time for every node to become Ready (default 300 s). */
  readyTimeoutMs?: number;
  log?: (msg: string) => void;
}

const writeState = writeDevClusterState;

const tail = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-40).join("\n") : "";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs kubectl against the cluster from inside node 1's namespace. */
export function devKubectl(
  plan: DevClusterPlan,
  args: string[],
  exec = hostExec(),
): Promise<ExecResult> {
  return exec("nsenter", [
    `--net=/var/run/netns/${plan.nodes[0]!.netns}`,
    "kubectl",
    "--kubeconfig",
    plan.kubeconfig,
    ...args,
  ]);
}

/** Starts a detached `k8ts` process (inside `netns` when given), output appended to `logFile`. */
function startDetached(
  netns: string | undefined,
  k8tsBin: string,
  args: string[],
  logFile: string,
): number {
  const fd = openSync(logFile, "a");
  // nsenter --net only (no mount namespace: the host's cgroup mounts stay visible).
  const argv = [process.execPath, k8tsBin, ...args];
  const child = netns
    ? spawn("nsenter", [`--net=/var/run/netns/${netns}`, ...argv], {
        detached: true,
        stdio: ["ignore", fd, fd],
      })
    : spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`Cannot start k8ts ${args[0]}`);
  return child.pid;
}

function startNode(node: DevNodePlan, k8tsBin: string, args: string[]): number {
  mkdirSync(node.dataDir, { recursive: true });
  return startDetached(node.netns, k8tsBin, args, node.logFile);
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection(port, "127.0.0.1", () => (c.destroy(), resolve(true)));
    c.once("error", () => resolve(false));
  });

/**
 * The API on the host's 127.0.0.1:<port>: a forwarder in node 1's
 * namespace and one on the host, joined by a unix socket (api-forward.ts);
 * writes `<state-dir>/kubeconfig` pointing there.
 */
async function forwardApi(state: DevClusterState, k8tsBin: string, wanted: number): Promise<void> {
  const { plan } = state;
  const first = plan.nodes[0]!;
  const socket = join(plan.stateDir, "api.sock");
  const log = join(plan.stateDir, "forward.log");
  state.apiSocket = socket;
  state.forwarders = [
    startDetached(
      first.netns,
      k8tsBin,
      ["dev", "forward", "--listen", socket, "--connect", `${first.ip}:6443`],
      log,
    ),
  ];
  writeDevClusterState(state);
  // The log is appended to: only what the host forwarder writes from here on names its port.
  const from = existsSync(log) ? statSync(log).size : 0;
  state.forwarders.push(
    startDetached(
      undefined,
      k8tsBin,
      // Port 0 unless one was asked for: the forwarder binds a free port itself and logs it.
      ["dev", "forward", "--listen", `127.0.0.1:${wanted}`, "--connect", socket],
      log,
    ),
  );
  writeDevClusterState(state);
  const deadline = Date.now() + 60_000;
  let port = 0;
  for (;;) {
    const text = existsSync(log) ? readFileSync(log).subarray(from).toString() : "";
    port = Number(/^k8ts dev forward: 127\.0\.0\.1:(\d+) -> /m.exec(text)?.[1] ?? 0);
    if (port && (await accepts(port))) break;
    if (Date.now() > deadline || !state.forwarders.every(alive))
      throw new Error(`API forward to 127.0.0.1:${port || wanted} not up; log:\n${tail(log)}`);
    await delay(200);
  }
  const kubeconfig = join(plan.stateDir, "kubeconfig");
  const admin = readFileSync(plan.kubeconfig, "utf8");
  writeFileSync(kubeconfig, admin.split(plan.server).join(`https://127.0.0.1:${port}`), {
    mode: 0o600,
  });
  state.apiPort = port;
  state.hostKubeconfig = kubeconfig;
  writeDevClusterState(state);
}

/** The Ready nodes, with the podCIDR node IPAM gave each node so far. */
async function readyNodes(
  plan: DevClusterPlan,
  exec: HostExec,
): Promise<{ ready: Set<string>; podCIDRs: Record<string, string> }> {
  const res = await devKubectl(plan, ["get", "nodes", "-o", "json"], exec);
  const ready = new Set<string>();
  const podCIDRs: Record<string, string> = {};
  if (res.code !== 0) return { ready, podCIDRs };
  const list = JSON.parse(res.stdout) as {
    items: {
      metadata: { name: string };
      spec?: { podCIDR?: string };
      status?: { conditions?: { type: string; status: string }[] };
    }[];
  };
  for (const n of list.items) {
    if (n.spec?.podCIDR) podCIDRs[n.metadata.name] = n.spec.podCIDR;
    if (n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
      ready.add(n.metadata.name);
  }
  return { ready, podCIDRs };
}

async function waitReady(
  state: DevClusterState,
  nodes: DevNodePlan[],
  exec: HostExec,
  deadline: number,
): Promise<void> {
  for (;;) {
    for (const n of nodes) {
      const pid = state.pids[n.name];
      if (pid && !alive(pid))
        throw new Error(`Node ${n.name} exited; its log ends with:\n${tail(n.logFile)}`);
    }
    if (existsSync(state.plan.kubeconfig)) {
      const { ready, podCIDRs } = await readyNodes(state.plan, exec);
      if (nodes.every((n) => ready.has(n.name))) {
        state.podCIDRs = { ...state.podCIDRs, ...podCIDRs };
        writeState(state);
        return;
      }
    }
    if (Date.now() > deadline)
      throw new Error(
        `Nodes ${nodes.map((n) => n.name).join(", ")} not Ready in time; ${nodes[0]!.name}'s log ends with:\n${tail(nodes[0]!.logFile)}`,
      );
    await delay(500);
  }
}

/** Creates a dev cluster and waits until every node is Ready; on failure removes what it made. */
export async function createDevCluster(o: DevClusterOptions): Promise<DevClusterState> {
  const plan = planDevCluster(o);
  const exec = o.exec ?? hostExec();
  const log = o.log ?? (() => {});
  if (existsSync(statePath(plan.stateDir)))
    throw new Error(`Dev cluster ${plan.name} exists (${plan.stateDir}): delete it first`);
  mkdirSync(plan.stateDir, { recursive: true });
  const state: DevClusterState = { plan, pids: {} };
  writeState(state);
  const deadline = Date.now() + (o.readyTimeoutMs ?? 300_000);
  try {
    log(`creating network: hub ${plan.hubNetns}, ${plan.nodes.length} node namespaces`);
    await createDevNetwork(plan, exec);
    const [first, ...agents] = plan.nodes;
    state.pids[first!.name] = startNode(first!, o.k8tsBin, [
      "server",
      "--data-dir",
      first!.dataDir,
      "--bind-address",
      first!.ip,
      "--secure-port",
      "6443",
      "--node-name",
      first!.name,
      "--node-ip",
      first!.ip,
      // No --pod-cidr: node IPAM (this server's nodeipam controller) gives every node one.
      "--cluster-cidr",
      plan.clusterCIDR,
      // Each node's pods under its own cgroup of the cluster's root (deleted with it).
      "--cgroup-root",
      `${plan.cgroupRoot}/${first!.name}`,
    ]);
    writeState(state);
    log(`starting server ${first!.name} at ${plan.server}`);
    await waitReady(state, [first!], exec, deadline);
    if (agents.length) {
      const token = (
        await mustExec(exec, "nsenter", [
          `--net=/var/run/netns/${first!.netns}`,
          process.execPath,
          o.k8tsBin,
          "token",
          "create",
          "--kubeconfig",
          plan.kubeconfig,
          "--ttl",
          "1h",
          "--description",
          `k8ts dev cluster ${plan.name}`,
        ])
      ).trim();
      for (const node of agents) {
        state.pids[node.name] = startNode(node, o.k8tsBin, [
          "agent",
          "--server",
          plan.server,
          "--token",
          token,
          "--data-dir",
          node.dataDir,
          "--node-name",
          node.name,
          "--node-ip",
          node.ip,
          // No --pod-cidr: the agent waits for node IPAM's (other nodes route to it by
          // the Node's podCIDR, see route-syncer.ts).
          "--pod-cidr-timeout",
          String(Math.max(30, Math.ceil((deadline - Date.now()) / 1000))),
          "--cluster-cidr",
          plan.clusterCIDR,
          "--service-cidr",
          plan.serviceCIDR,
          "--cgroup-root",
          `${plan.cgroupRoot}/${node.name}`,
        ]);
        log(`starting agent ${node.name}`);
      }
      writeState(state);
      await waitReady(state, plan.nodes, exec, deadline);
    }
    await forwardApi(state, o.k8tsBin, o.apiPort ?? 0);
    log(`all ${plan.nodes.length} nodes Ready; API on 127.0.0.1:${state.apiPort}`);
    return state;
  } catch (err) {
    await deleteDevCluster(plan.stateDir, { exec, log }).catch(() => {});
    throw err;
  }
}

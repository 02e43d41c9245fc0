/**
 * `k8ts dev cluster [--nodes N]` and `k8ts dev cluster delete`: a
 * multi-node cluster on one machine, each node in a network namespace on a
 * bridge the command creates (see src/dev/dev-cluster.ts).
 */
import type { Command } from "commander";
import { join, resolve } from "node:path";

/** Registers `k8ts dev`. */
export function registerDevCommand(program: Command): void {
  const dev = program.command("dev").description("Local development clusters");
  const stateDirOf = async (flags: { name: string; stateDir?: string }) => {
    const { defaultDataDir } = await import("./control-plane.ts");
    return resolve(flags.stateDir ?? join(defaultDataDir(), "dev", flags.name));
  };
  const cluster = dev
    .command("cluster")
    .description(
      "Create a multi-node cluster on this machine: node 1 runs k8ts server, the others k8ts agent, each in its own network namespace",
    )
    .option("--name <name>", "cluster name (namespaces k8ts-<name>-*)", "dev")
    .option(
      "--state-dir <dir>",
      "where node data, logs and state go (default <data dir>/dev/<name>)",
    )
    .option("--nodes <n>", "number of nodes", "3")
    .option("--node-cidr <cidr>", "subnet of the node addresses on the bridge", "172.29.0.0/24")
    .option(
      "--cluster-cidr <cidr>",
      "pod CIDR of the cluster; node IPAM gives each node a /24 of it",
      "10.42.0.0/16",
    )
    .option(
      "--api-port <port>",
      "host port on 127.0.0.1 forwarded to the API server (0: free)",
      "0",
    )
    .option("--timeout <seconds>", "time for every node to become Ready", "300")
    .action(async (flags) => {
      const { createDevCluster } = await import("../dev/dev-cluster.ts");
      const state = await createDevCluster({
        name: flags.name,
        nodes: Number(flags.nodes),
        stateDir: await stateDirOf(flags),
        nodeCIDR: flags.nodeCidr,
        clusterCIDR: flags.clusterCidr,
        k8tsBin: process.argv[1]!,
        readyTimeoutMs: Number(flags.timeout) * 1000,
        apiPort: Number(flags.apiPort),
        log: (msg) => process.stderr.write(`k8ts dev cluster: ${msg}\n`),
      });
      const { plan } = state;
      const lines = [
        `Dev cluster ${plan.name}: ${plan.nodes.length} nodes Ready`,
        ...plan.nodes.map(
          (n) =>
            `  ${n.name}  ${n.role}  ${n.ip}  pods ${state.podCIDRs?.[n.name] ?? "?"}  netns ${n.netns}  pid ${state.pids[n.name]}`,
        ),
        `API: ${plan.server} inside the nodes' network, forwarded to https://127.0.0.1:${state.apiPort}`,
        `Use it: kubectl --kubeconfig ${state.hostKubeconfig} get nodes`,
        `  (inside node 1: nsenter --net=/var/run/netns/${plan.nodes[0]!.netns} kubectl --kubeconfig ${plan.kubeconfig} ...)`,
        `Remove it: k8ts dev cluster delete --name ${plan.name}${flags.stateDir ? ` --state-dir ${plan.stateDir}` : ""}`,
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
  dev
    .command("forward")
    .description(
      "Internal to dev clusters: pipe connections accepted on --listen to --connect (IPv4:port or a unix socket path)",
    )
    .requiredOption("--listen <end>", "IPv4:port or unix socket path to accept on")
    .requiredOption("--connect <end>", "IPv4:port or unix socket path to connect to")
    .action(async (flags) => {
      const { parseForwardEnd, startForward } = await import("../dev/api-forward.ts");
      const listen = parseForwardEnd(flags.listen);
      const server = await startForward({ listen, connect: parseForwardEnd(flags.connect) });
      // The bound address: with port 0 the caller learns the port from this line.
      const bound = server.address();
      const at =
        "path" in listen || typeof bound !== "object" || !bound
          ? flags.listen
          : `${listen.host}:${bound.port}`;
      process.stderr.write(`k8ts dev forward: ${at} -> ${flags.connect}\n`);
    });
  cluster
    .command("delete")
    .description(
      "Stop a dev cluster's nodes and remove every namespace, link, mount and file it made",
    )
    .action(async (_flags, cmd: Command) => {
      // --name/--state-dir belong to `dev cluster` (parsed there wherever they appear).
      const parent = cmd.parent!.opts<{ name: string; stateDir?: string }>();
      const { deleteDevCluster } = await import("../dev/dev-delete.ts");
      const report = await deleteDevCluster(await stateDirOf(parent), {
        log: (msg) => process.stderr.write(`k8ts dev cluster delete: ${msg}\n`),
      });
      if (report.failed.length) {
        process.stderr.write(`Cannot delete namespaces:\n  ${report.failed.join("\n  ")}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        `Dev cluster ${parent.name} deleted (${report.stopped.length} nodes stopped)\n`,
      );
    });
}

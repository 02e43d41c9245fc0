import type { Command } from "commander";

/**
 * `k8ts simulate --nodes N`: hollow nodes in this process (issue 11), until
 * SIGINT/SIGTERM or --duration. Prints the memory the nodes cost once all
 * are registered, and a status line every --report-interval seconds.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description("Run simulated (hollow) nodes against an API server")
    .requiredOption("--nodes <n>", "number of nodes")
    .option("--server <url>", "API server URL (overrides the kubeconfig's)")
    .option("--kubeconfig <file>", "kubeconfig (default $KUBECONFIG or ~/.kube/config)")
    .option("--token <token>", "bearer token (overrides the kubeconfig's credentials)")
    .option("--insecure-skip-tls-verify", "do not verify the server's certificate")
    .option("--profile <name|file>", "fast, realistic, or a YAML profile file", "fast")
    .option(
      "--mode <mode>",
      "shared (one pod watch for all nodes) or kubelet (one per node)",
      "shared",
    )
    .option("--name-prefix <prefix>", "node names are <prefix><index>", "hollow-node-")
    .option("--register-with-taints <taints>", "key=value:Effect,... on every node", "")
    .option("--node-labels <labels>", "key=value,... on every node", "")
    .option("--kube-api-qps <n>", "client requests per second", "2000")
    .option("--kube-api-burst <n>", "client burst", "4000")
    .option("--no-serve-stats", "do not serve /stats/summary per node (no metrics for top/HPA)")
    .option("--data-dir <dir>", "scratch space for pod directories (default: a temp dir)")
    .option("--duration <seconds>", "exit after this many seconds (default: run until a signal)")
    .option("--report-interval <seconds>", "print a status line this often (0: never)", "30")
    .action(async (flags) => {
      const { runSimulate } = await import("../simulate/run-simulate.ts");
      await runSimulate(flags);
      process.exit(0);
    });
}

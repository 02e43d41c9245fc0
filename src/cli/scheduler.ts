import type { Command } from "commander";

/** `k8ts scheduler`: the kube-scheduler, talking to an API server through a kubeconfig. */
export function registerSchedulerCommand(program: Command): void {
  program
    .command("scheduler")
    .description("Run the Kubernetes scheduler")
    .requiredOption("--kubeconfig <file>", "kubeconfig of the API server")
    .option("--config <file>", "KubeSchedulerConfiguration file (profiles, plugins, weights)")
    .option("--leader-elect [bool]", "schedule only while holding the kube-scheduler lease")
    .option("--bind-address <ip>", "address for /healthz and /metrics", "127.0.0.1")
    .option("--secure-port <port>", "HTTPS port for /healthz and /metrics (0: off)", "0")
    .option("--kube-api-qps <n>", "requests per second to the API server", "1000")
    .option("--kube-api-burst <n>", "request burst to the API server", "2000")
    .action(async (flags) => {
      const { loadKubeconfig } = await import("../client/kubeconfig.ts");
      const { RestClient } = await import("../client/rest-client.ts");
      const { runScheduler } = await import("../scheduler/scheduler.ts");
      const { loadConfigFile } = await import("../scheduler/profile/config.ts");
      const { SchedulerMetrics } = await import("../scheduler/metrics/metrics.ts");
      const { serveSchedulerEndpoints } = await import("../scheduler/metrics/serve.ts");
      const { createLogger } = await import("../util/logger.ts");
      const log = createLogger("scheduler");
      const config = flags.config ? loadConfigFile(flags.config) : undefined;
      const client = new RestClient({
        ...loadKubeconfig(flags.kubeconfig),
        qps: Number(flags.kubeApiQps),
        burst: Number(flags.kubeApiBurst),
        userAgent: "k8ts-scheduler",
      });
      // Off unless asked for (upstream defaults it on; a lone dev scheduler needs no lease).
      const leaderElect = flags.leaderElect === true || flags.leaderElect === "true";
      const metrics = new SchedulerMetrics();
      const abort = new AbortController();
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => abort.abort());
      const port = Number(flags.securePort);
      const endpoints =
        port > 0
          ? await serveSchedulerEndpoints({
              bindAddress: flags.bindAddress,
              port,
              metrics,
              healthy: () => !abort.signal.aborted,
            })
          : undefined;
      if (endpoints)
        log.info("serving", { address: `https://${flags.bindAddress}:${endpoints.port}` });
      await runScheduler(
        {
          client,
          config,
          leaderElect,
          metrics,
          log: (msg, fields) => log.info(msg, fields),
        },
        abort.signal,
      );
      await endpoints?.close();
      client.close();
    });
}

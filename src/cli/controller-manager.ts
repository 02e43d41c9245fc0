import type { Command } from "commander";
import { addNodeLifecycleFlags } from "../controllers/nodelifecycle/node-lifecycle-flags.ts";

/** `k8ts controller-manager`: the controllers, talking to an API server through a kubeconfig. */
export function registerControllerManagerCommand(program: Command): void {
  addNodeLifecycleFlags(program.command("controller-manager"))
    .description("Run the Kubernetes controller manager")
    .requiredOption("--kubeconfig <file>", "kubeconfig of the API server to manage")
    .option("--controllers <list>", "controllers to run: * for all, -name to disable one", "*")
    .option(
      "--leader-elect [bool]",
      "run only while holding the kube-controller-manager lease",
      "true",
    )
    .option("--leader-elect-lease-duration <d>", "lease duration", "15s")
    .option("--leader-elect-renew-deadline <d>", "renew deadline", "10s")
    .option("--leader-elect-retry-period <d>", "retry period", "2s")
    .option("--root-ca-file <file>", "CA bundle published in kube-root-ca.crt config maps")
    // Upstream's defaults are 20/30; k8ts keeps 100/200 so one standalone
    // controller manager can ramp large ReplicaSets. A negative QPS means no
    // client-side limit (client-go's reading).
    .option("--kube-api-qps <n>", "requests per second to the API server (< 0: unlimited)", "100")
    .option("--kube-api-burst <n>", "request burst to the API server", "200")
    .option(
      "--allocate-node-cidrs [bool]",
      "node IPAM: give each node without one a podCIDR from --cluster-cidr",
      "false",
    )
    .option("--cluster-cidr <cidrs>", "CIDR range of pods in the cluster (one per IP family)")
    .option("--node-cidr-mask-size <n>", "mask size of node CIDRs (single stack; default 24 / 64)")
    .option("--node-cidr-mask-size-ipv4 <n>", "mask size of IPv4 node CIDRs (dual stack)")
    .option("--node-cidr-mask-size-ipv6 <n>", "mask size of IPv6 node CIDRs (dual stack)")
    .option("--service-cluster-ip-range <cidrs>", "service range, never given to nodes")
    .option(
      "--secure-port <port>",
      "HTTPS port of /healthz and /metrics (0: do not serve)",
      "10257",
    )
    .option("--bind-address <ip>", "address of the secure port", "127.0.0.1")
    .option(
      "--authorization-always-allow-paths <list>",
      "paths of the secure port served without authentication or authorization",
      "/healthz,/readyz,/livez",
    )
    .action(async (flags) => {
      const { readFileSync } = await import("node:fs");
      const { loadKubeconfig } = await import("../client/kubeconfig.ts");
      const { RestClient } = await import("../client/rest-client.ts");
      const { runControllerManager, unknownControllers } =
        await import("../controllers/manager.ts");
      const { serveControllerManagerMetrics } = await import("../controllers/metrics-server.ts");
      const { createLogger } = await import("../util/logger.ts");
      const { parseGoDuration } = await import("../util/go-duration.ts");
      const log = createLogger("controller-manager");
      const controllers = String(flags.controllers).split(",");
      const unknown = unknownControllers(controllers);
      if (unknown.length > 0) {
        process.stderr.write(
          `error: ${unknown.map((n) => `"${n}" is not in the list of known controllers`).join(", ")}\n`,
        );
        process.exitCode = 1;
        return;
      }
      const { nodeLifecycleSettings } =
        await import("../controllers/nodelifecycle/node-lifecycle-flags.ts");
      const nodeLifecycle = nodeLifecycleSettings(flags);
      if (typeof nodeLifecycle === "string") {
        process.stderr.write(`error: ${nodeLifecycle}\n`);
        process.exitCode = 1;
        return;
      }
      const allocate = flags.allocateNodeCidrs === true || flags.allocateNodeCidrs === "true";
      const { nodeIpamConfigFromFlags } = await import("../controllers/nodeipam/ipam-flags.ts");
      const nodeIpam = allocate ? nodeIpamConfigFromFlags(flags) : undefined;
      if (typeof nodeIpam === "string") {
        process.stderr.write(`error: ${nodeIpam}\n`);
        process.exitCode = 1;
        return;
      }
      const qps = Number(flags.kubeApiQps);
      const burst = Number(flags.kubeApiBurst);
      if (!Number.isFinite(qps) || !Number.isInteger(burst) || burst < 0) {
        process.stderr.write(
          `error: invalid --kube-api-qps ${flags.kubeApiQps} or --kube-api-burst ${flags.kubeApiBurst}\n`,
        );
        process.exitCode = 1;
        return;
      }
      const config = loadKubeconfig(flags.kubeconfig);
      const client = new RestClient({
        ...config,
        qps,
        burst,
        userAgent: "k8ts-controller-manager",
      });
      // As upstream: callers of the secure port are authenticated and authorized
      // by the API server (TokenReview, SubjectAccessReview).
      const { delegatedSecurePort } = await import("../controllers/delegated-auth.ts");
      const { realClock } = await import("../client/clock.ts");
      const port = Number(flags.securePort);
      const endpoint =
        port > 0
          ? await serveControllerManagerMetrics({
              host: flags.bindAddress,
              port,
              ...(await delegatedSecurePort(client, {
                clock: realClock,
                alwaysAllowPaths: String(flags.authorizationAlwaysAllowPaths)
                  .split(",")
                  .filter(Boolean),
              })),
            })
          : undefined;
      if (endpoint)
        log.info("serving securely", { address: `${flags.bindAddress}:${endpoint.port}` });
      const abort = new AbortController();
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => abort.abort());
      await runControllerManager(
        {
          client,
          controllers,
          queueMetrics: endpoint?.queueMetrics,
          leaderElect: flags.leaderElect !== "false" && flags.leaderElect !== false,
          leaseDurationMs: parseGoDuration(flags.leaderElectLeaseDuration),
          renewDeadlineMs: parseGoDuration(flags.leaderElectRenewDeadline),
          retryPeriodMs: parseGoDuration(flags.leaderElectRetryPeriod),
          ...nodeLifecycle,
          rootCA: flags.rootCaFile ? readFileSync(flags.rootCaFile, "utf8") : config.ca,
          nodeIpam,
          log: (msg, fields) => log.info(msg, fields),
        },
        abort.signal,
      );
      client.close();
      await endpoint?.close();
    });
}

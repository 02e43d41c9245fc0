import type { Command } from "commander";

/** Parses a Go-style duration ("500ms", "1s", "1m30s") into milliseconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * units[m[2]!]!;
    end = re.lastIndex;
  }
  if (end !== text.length || text.length === 0)
    throw new Error(`Cannot parse duration ${JSON.stringify(text)}: use e.g. 1s, 500ms, 1m`);
  return total;
}

/** `k8ts proxy`: kube-proxy in iptables mode against an API server. */
export function registerProxyCommand(program: Command): void {
  program
    .command("proxy")
    .description("Run the service proxy (kube-proxy, iptables mode) for this node")
    .option("--kubeconfig <file>", "kubeconfig of the API server")
    .option("--hostname-override <name>", "name of this node (for Local traffic policies)")
    .option(
      "--cluster-cidr <cidr>",
      "pod CIDR of the cluster: traffic from it is not masqueraded",
      "10.42.0.0/16",
    )
    .option(
      "--service-cluster-ip-range <cidr>",
      "service CIDR: unserved addresses in it are rejected",
      "10.43.0.0/16",
    )
    .option("--masquerade-all", "SNAT all traffic sent to cluster IPs")
    .option(
      "--iptables-backend <kind>",
      "auto, legacy, nft or default (the iptables on the PATH)",
      "auto",
    )
    .option("--iptables-min-sync-period <duration>", "minimum interval between rule syncs", "1s")
    .option(
      "--iptables-sync-period <duration>",
      "interval of periodic rule syncs (full ones at most hourly, as upstream)",
      "30s",
    )
    .option(
      "--healthz-bind-address <host:port>",
      "healthz server address (empty: off)",
      "127.0.0.1:10256",
    )
    .option(
      "--metrics-bind-address <host:port>",
      "metrics server address (empty: off)",
      "127.0.0.1:10249",
    )
    .option(
      "--health-check-bind-address <ip>",
      "address of the health check node ports of Local LoadBalancer services (empty: off)",
      "127.0.0.1",
    )
    .option(
      "--node-ip <ip>",
      "this node's IP (loadBalancerSourceRanges containing it admit the node)",
    )
    .option(
      "--netns <name>",
      "program this named network namespace (ip netns) instead of the current one",
    )
    .option("--sync-pod-routes", "route other nodes' podCIDRs via their InternalIPs (host-gw)")
    .option("--cleanup", "remove every rule, chain and route the proxy created, then exit")
    .action(async (flags) => {
      const { hostExec } = await import("../proxy/host-exec.ts");
      if (flags.cleanup) {
        const { Iptables } = await import("../proxy/iptables/iptables.ts");
        const { ServiceRoutes } = await import("../proxy/service-routes.ts");
        const exec = hostExec(flags.netns);
        for (const backend of ["legacy", "nft"] as const)
          await new Iptables(exec, backend).cleanup();
        await new ServiceRoutes(exec).cleanup();
        return;
      }
      if (!flags.kubeconfig) throw new Error("Cannot start the proxy: --kubeconfig is required");
      if (!["auto", "legacy", "nft", "default"].includes(flags.iptablesBackend)) {
        throw new Error(
          `Cannot parse --iptables-backend ${flags.iptablesBackend}: use auto, legacy, nft or default`,
        );
      }
      const { hostname } = await import("node:os");
      const { loadKubeconfig } = await import("../client/kubeconfig.ts");
      const { RestClient } = await import("../client/rest-client.ts");
      const { startProxy } = await import("../proxy/proxy-server.ts");
      const { createLogger } = await import("../util/logger.ts");
      const client = new RestClient({
        ...loadKubeconfig(flags.kubeconfig),
        qps: 50,
        burst: 100,
        userAgent: "k8ts-proxy",
      });
      const proxy = await startProxy({
        client,
        nodeName: flags.hostnameOverride ?? hostname().toLowerCase(),
        netns: flags.netns,
        clusterCIDR: flags.clusterCidr,
        serviceCIDR: flags.serviceClusterIpRange,
        masqueradeAll: !!flags.masqueradeAll,
        iptablesBackend: flags.iptablesBackend,
        syncPodRoutes: !!flags.syncPodRoutes,
        minSyncPeriodMs: parseDuration(flags.iptablesMinSyncPeriod),
        syncPeriodMs: parseDuration(flags.iptablesSyncPeriod),
        healthzBindAddress: flags.healthzBindAddress,
        healthCheckBindAddress: flags.healthCheckBindAddress,
        nodeIP: flags.nodeIp,
        metricsBindAddress: flags.metricsBindAddress,
        log: createLogger("kube-proxy"),
      });
      await new Promise<void>((resolve) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
      });
      await proxy.stop();
      client.close();
      process.exit(0);
    });
}

import type { Command } from "commander";

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** "host:port" → a listen address (IPv6 hosts in brackets). */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Cannot parse listen address ${JSON.stringify(value)}: want host:port`);
  return { host: m[1], port };
}

/** `k8ts dns`: the cluster DNS server (CoreDNS's kubernetes plugin, never forwarding). */
export function registerDnsCommand(program: Command): void {
  program
    .command("dns")
    .description("Run the cluster DNS server (answers cluster.local from the API, never forwards)")
    .requiredOption("--kubeconfig <file>", "kubeconfig of the API server")
    .option("--cluster-domain <domain>", "the cluster DNS domain", "cluster.local")
    .option(
      "--listen <host:port>",
      "UDP and TCP address to serve on (repeatable; default 127.0.0.1:53)",
      collect,
    )
    .option(
      "--publish-address <ip>",
      "address pods reach this server at: kube-dns endpoints, bound once it exists (the node pod bridge gateway)",
      "10.42.0.1",
    )
    .option("--publish-port <port>", "port at the publish address", "53")
    .option("--cluster-dns <ip>", "cluster IP of the kube-system/kube-dns service", "10.43.0.10")
    .option("--no-kube-dns-service", "leave the kube-dns service alone")
    .option("--metrics-bind-address <host:port>", "where /metrics is served", "127.0.0.1:9153")
    .action(async (flags) => {
      const { loadKubeconfig } = await import("../client/kubeconfig.ts");
      const { RestClient } = await import("../client/rest-client.ts");
      const { runDns } = await import("../proxy/dns/run-dns.ts");
      const { createLogger } = await import("../util/logger.ts");
      const log = createLogger("dns");
      const client = new RestClient({ ...loadKubeconfig(flags.kubeconfig), userAgent: "k8ts-dns" });
      const publish = { host: String(flags.publishAddress), port: Number(flags.publishPort) };
      const dns = await runDns({
        client,
        clusterDomain: flags.clusterDomain,
        listen: ((flags.listen as string[] | undefined) ?? ["127.0.0.1:53"]).map(parseHostPort),
        listenWhenAvailable: [publish],
        metrics: parseHostPort(flags.metricsBindAddress),
        kubeDnsService: flags.kubeDnsService
          ? { clusterIP: flags.clusterDns, address: publish.host, port: publish.port }
          : undefined,
        log: (msg, fields) => log.info(msg, fields),
      });
      log.info("serving", {
        ports: dns.ports,
        metricsPort: dns.metricsPort,
        publish: `${publish.host}:${publish.port}`,
      });
      await new Promise<void>((resolve) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
      });
      await dns.stop();
      client.close();
      process.exit(0);
    });
}

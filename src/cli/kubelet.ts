import type { Command } from "commander";
import { addKubeletNodeFlags, kubeletNodeOptions } from "./kubelet-flags.ts";

/** `k8ts kubelet`: the node agent, talking to an API server through a kubeconfig. */
export function registerKubeletCommand(program: Command): void {
  addKubeletNodeFlags(program.command("kubelet"))
    .description("Run the node agent (kubelet) against an API server")
    .requiredOption("--kubeconfig <file>", "kubeconfig of the API server")
    .requiredOption("--node-name <name>", "name of this node")
    .option("--data-dir <dir>", "kubelet state: pods, logs, containerd, CNI", "/var/lib/k8ts/agent")
    .option(
      "--container-runtime-endpoint <endpoint>",
      "CRI endpoint (default: start our own containerd)",
    )
    .option("--container-runtime <kind>", "cri or simulated", "cri")
    .option("--pod-manifest-path <dir>", "directory of static pod manifests")
    .option("--pod-cidr <cidr>", "pod CIDR of this node", "10.42.0.0/24")
    .option("--cluster-cidr <cidr>", "cluster pod CIDR (unreachable route)", "10.42.0.0/16")
    .option("--service-cluster-ip-range <cidr>", "service CIDR (unreachable route)", "10.43.0.0/16")
    .option("--node-ip <ip>", "the node's InternalIP", "127.0.0.1")
    .option("--cgroup-root <path>", "root cgroup of pods", "/kubepods")
    .option("--cluster-dns <ips>", "comma-separated DNS server IPs for pods")
    .option("--cluster-domain <domain>", "cluster DNS domain of pod search paths", "cluster.local")
    .option(
      "--resolv-conf <file>",
      'host resolver config pods build on ("": none)',
      "/etc/resolv.conf",
    )
    .option(
      "--image-pull <mode>",
      "enabled or disabled: may the node pull images from registries (default: offline)",
      "disabled",
    )
    .option("--port <port>", "HTTPS port of the kubelet server (0: any free port)", "10250")
    .option("--container-log-max-size <quantity>", "rotate a container's log at this size", "10Mi")
    .option("--container-log-max-files <n>", "log files kept per container", "5")
    .option("--client-ca-file <file>", "require client certificates signed by this CA")
    .option("--tls-cert-file <file>", "serving certificate (default: made under the data dir)")
    .option("--tls-private-key-file <file>", "serving key")
    .action(async (flags) => {
      const { loadKubeconfig } = await import("../client/kubeconfig.ts");
      const { RestClient } = await import("../client/rest-client.ts");
      const { startKubelet } = await import("../kubelet/kubelet.ts");
      const config = loadKubeconfig(flags.kubeconfig);
      const client = new RestClient({ ...config, qps: 50, burst: 100, userAgent: "k8ts-kubelet" });
      if (flags.imagePull !== "enabled" && flags.imagePull !== "disabled") {
        throw new Error(`Cannot parse --image-pull ${flags.imagePull}: use enabled or disabled`);
      }
      const { readFileSync } = await import("node:fs");
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`Invalid --port ${flags.port}`);
      const { quantityValue } = await import("../kubelet/pod/qos.ts");
      const containerLogMaxSize = quantityValue(String(flags.containerLogMaxSize));
      const containerLogMaxFiles = Number(flags.containerLogMaxFiles);
      if (!(containerLogMaxSize > 0))
        throw new Error(`Invalid --container-log-max-size ${flags.containerLogMaxSize}`);
      if (!Number.isInteger(containerLogMaxFiles) || containerLogMaxFiles < 2)
        throw new Error(
          `Invalid --container-log-max-files ${flags.containerLogMaxFiles}: at least 2`,
        );
      const kubelet = await startKubelet({
        client,
        port,
        containerLogMaxSize,
        containerLogMaxFiles,
        ...kubeletNodeOptions(flags),
        clientCaPem: flags.clientCaFile ? readFileSync(flags.clientCaFile, "utf8") : undefined,
        tls:
          flags.tlsCertFile && flags.tlsPrivateKeyFile
            ? {
                certPem: readFileSync(flags.tlsCertFile, "utf8"),
                keyPem: readFileSync(flags.tlsPrivateKeyFile, "utf8"),
              }
            : undefined,
        nodeName: flags.nodeName,
        dataDir: flags.dataDir,
        runtime: flags.containerRuntime === "simulated" ? "simulated" : "cri",
        containerRuntimeEndpoint: flags.containerRuntimeEndpoint,
        podManifestPath: flags.podManifestPath,
        podCIDR: flags.podCidr,
        clusterCIDR: flags.clusterCidr,
        serviceCIDR: flags.serviceClusterIpRange,
        hostIP: flags.nodeIp,
        cgroupRoot: flags.cgroupRoot,
        clusterDNS: flags.clusterDns ? String(flags.clusterDns).split(",") : undefined,
        clusterDomain: flags.clusterDomain,
        resolvConf: flags.resolvConf,
        imagePull: flags.imagePull === "enabled",
      });
      await new Promise<void>((resolve) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
      });
      await kubelet.stop();
      client.close();
      process.exit(0);
    });
}

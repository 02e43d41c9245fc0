/**
 * `k8ts agent --server URL --token TOKEN`: joins a worker node. Discovers
 * and verifies the cluster CA with the token (cluster-info JWS, optional CA
 * hash pin), bootstraps the kubelet's client certificate through a CSR
 * (TLS bootstrapping) and runs the kubelet with that node identity, reaching
 * the API through a local load balancer over every server listed in
 * cluster-info (failover on connection errors), whose list then follows the
 * default/kubernetes Endpoints.
 */
import type { Command } from "commander";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { addKubeletNodeFlags, kubeletNodeOptions } from "./kubelet-flags.ts";

/** Registers `k8ts agent`. */
export function registerAgentCommand(program: Command): void {
  addKubeletNodeFlags(program.command("agent"))
    .description("Join a worker node to a cluster and run its kubelet")
    .requiredOption("--server <url>", "API server to join (https://host:port)")
    .requiredOption("--token <token>", "bootstrap token (k8ts token create)")
    .option("--discovery-token-ca-cert-hash <sha256:hex>", "pin the cluster CA's public key hash")
    .option("--data-dir <dir>", "agent state (default <k8ts data dir>/agent)")
    .option("--node-name <name>", "name of this node (default: the hostname)")
    .option("--container-runtime <kind>", "cri or simulated", "cri")
    .option("--container-runtime-endpoint <endpoint>", "CRI endpoint (default: own containerd)")
    .option("--node-ip <ip>", "the node's InternalIP", "127.0.0.1")
    .option(
      "--pod-cidr <cidr>",
      "pod CIDR of this node (default: the podCIDR the node IPAM controller assigns)",
    )
    .option("--pod-cidr-timeout <seconds>", "how long to wait for an assigned podCIDR", "120")
    .option("--cluster-cidr <cidr>", "pod CIDR of the cluster", "10.42.0.0/16")
    .option(
      "--service-cidr, --service-cluster-ip-range <cidr>",
      "service CIDR of the cluster",
      "10.43.0.0/16",
    )
    .option("--cgroup-root <path>", "root cgroup of this node's pods", "/kubepods")
    .option("--kubelet-port <port>", "HTTPS port of the kubelet server (0: free)", "10250")
    .option("--lb-port <port>", "port of the local API load balancer (0: free)", "0")
    .option("--image-pull <mode>", "enabled or disabled (default: offline)", "disabled")
    .option("--cluster-dns <ip>", "cluster DNS service IP given to pods", "10.43.0.10")
    .option("--disable-kube-proxy", "do not run the service proxy (never run with simulated pods)")
    .action(async (flags) => {
      const { defaultDataDir } = await import("./control-plane.ts");
      const { parseToken } = await import("../ha/bootstrap-token.ts");
      const { discoverCluster } = await import("../ha/join-discovery.ts");
      const { bootstrapNodeKubeconfig } = await import("../ha/tls-bootstrap.ts");
      const { loadKubeconfig } = await import("../client/kubeconfig.ts");
      const { RestClient } = await import("../client/rest-client.ts");
      const { startKubelet } = await import("../kubelet/kubelet.ts");
      if (flags.imagePull !== "enabled" && flags.imagePull !== "disabled")
        throw new Error(`Cannot parse --image-pull ${flags.imagePull}: use enabled or disabled`);
      const kubeletFlags = kubeletNodeOptions(flags);
      const dataDir = resolve(flags.dataDir ?? join(defaultDataDir(), "agent"));
      const nodeName: string = flags.nodeName ?? hostname().toLowerCase();
      const token = parseToken(flags.token);
      const { caPem, apiservers } = await discoverCluster(flags.server, token, {
        caCertHash: flags.discoveryTokenCaCertHash,
      });
      // Every API call goes through a local load balancer over all known servers.
      const { ApiServerLoadBalancer } = await import("../ha/apiserver-lb.ts");
      const lb = new ApiServerLoadBalancer([flags.server, ...apiservers]);
      const server = await lb.listen("127.0.0.1", Number(flags.lbPort));
      process.stderr.write(
        `k8ts agent: load balancer ${server} over ${lb
          .order()
          .map((u) => `${u.host}:${u.port}`)
          .join(", ")}\n`,
      );
      const kubeconfig = await bootstrapNodeKubeconfig({
        server,
        caPem,
        token,
        nodeName,
        dataDir,
      });
      process.stderr.write(
        `k8ts agent: node ${nodeName} has its client certificate (${kubeconfig})\n`,
      );
      // The balancer's port may differ from the one the kubeconfig was written with.
      const config = { ...loadKubeconfig(kubeconfig), server };
      const client = new RestClient({ ...config, qps: 50, burst: 100, userAgent: "k8ts-kubelet" });
      // The server list follows default/kubernetes: servers joined later are used, removed ones dropped.
      const { ApiServerListRefresher } = await import("../ha/apiserver-endpoints.ts");
      const refresher = new ApiServerListRefresher({
        client,
        lb,
        fallback: flags.server,
        log: (msg) => process.stderr.write(`k8ts agent: ${msg}\n`),
      });
      refresher.start();
      // No --pod-cidr: the one the controller manager's node IPAM gives this node.
      let podCIDR: string | undefined = flags.podCidr;
      if (!podCIDR) {
        const { awaitPodCidr } = await import("../controllers/nodeipam/await-pod-cidr.ts");
        const { realClock } = await import("../client/clock.ts");
        const cidrs = await awaitPodCidr({
          client,
          clock: realClock,
          nodeName,
          timeoutMs: Number(flags.podCidrTimeout) * 1000,
          log: (msg) => process.stderr.write(`k8ts agent: ${msg}\n`),
        });
        podCIDR = cidrs[0];
        process.stderr.write(`k8ts agent: node ${nodeName} podCIDR ${cidrs.join(",")}\n`);
      }
      const kubelet = await startKubelet({
        client,
        nodeName,
        dataDir,
        runtime: flags.containerRuntime === "simulated" ? "simulated" : "cri",
        containerRuntimeEndpoint: flags.containerRuntimeEndpoint,
        podCIDR,
        clusterCIDR: flags.clusterCidr,
        serviceCIDR: flags.serviceClusterIpRange,
        cgroupRoot: flags.cgroupRoot,
        hostIP: flags.nodeIp,
        port: Number(flags.kubeletPort),
        clientCaPem: caPem,
        imagePull: flags.imagePull === "enabled",
        clusterDNS: [flags.clusterDns],
        ...kubeletFlags,
      });
      // kube-proxy on this node (real pods only), reading Endpoints, which the node identity may.
      const { startAgentProxy } = await import("../proxy/agent-proxy.ts");
      const proxy =
        flags.containerRuntime === "simulated" || flags.disableKubeProxy
          ? undefined
          : await startAgentProxy({
              client,
              nodeName,
              nodeIP: flags.nodeIp,
              clusterCIDR: flags.clusterCidr,
              serviceCIDR: flags.serviceClusterIpRange,
            });
      process.stdout.write(`k8ts agent: node ${nodeName} joined ${flags.server}\n`);
      await new Promise<void>((r) => {
        for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => r());
      });
      await proxy?.stop();
      await kubelet.stop();
      await refresher.stop();
      client.close();
      await lb.close();
      process.exit(0);
    });
}

import type { Command } from "commander";
import { addControlPlaneFlags } from "./control-plane-flags.ts";
import { addKubeletNodeFlags, type KubeletNodeFlags } from "./kubelet-flags.ts";
import { addHaFlags } from "../ha/ha-flags.ts";
import { addNodeLifecycleFlags } from "../controllers/nodelifecycle/node-lifecycle-flags.ts";
import type { ControlPlaneFlags } from "./control-plane.ts";
import type { ServerComponentFlags } from "./server-components.ts";
import type { HaServerFlags } from "../ha/ha-server.ts";
import { createLogger } from "../util/logger.ts";
import { logSteps, StepTimer } from "../util/step-timer.ts";

/** `k8ts server`: the control plane (and, later, a node unless --disable-agent). */
export function registerServerCommand(program: Command): void {
  addKubeletNodeFlags(
    addNodeLifecycleFlags(addHaFlags(addControlPlaneFlags(program.command("server")))),
  )
    .description("Run a single-node cluster (control plane and node)")
    .option("--disable-agent", "run the control plane only (no kubelet)")
    .option("--disable-controller-manager", "do not run the controllers in this process")
    .option("--disable-scheduler", "do not run the scheduler in this process")
    .option(
      "--use-service-account-credentials [bool]",
      "each controller writes as its own service account kube-system/<controller> (system:controller:* roles); =false: all as system:kube-controller-manager",
    )
    .option("--disable-kube-proxy", "do not run the service proxy (kube-proxy) on this node")
    .option(
      "--image-pull <mode>",
      "let the node pull images from registries: enabled or disabled (default: offline)",
      "disabled",
    )
    .option("--node-name <name>", "name of this node")
    .option("--node-ip <ip>", "the node's InternalIP (kubelet and kube-proxy; default 127.0.0.1)")
    .option(
      "--cluster-dns <ip>",
      "kube-dns service IP for pods (default: 10th IP of the service range)",
    )
    .option("--cluster-domain <domain>", "cluster DNS domain", "cluster.local")
    .option("--cluster-cidr <cidr>", "pod CIDR of the cluster", "10.42.0.0/16")
    .option(
      "--pod-cidr <cidr>",
      "pod CIDR of this node (default: the one node IPAM assigns; its first IP is the pod bridge gateway)",
    )
    .option("--cgroup-root <path>", "root cgroup of this node's pods", "/kubepods")
    .option(
      "--allocate-node-cidrs [bool]",
      "node IPAM: give each node without one a podCIDR from --cluster-cidr",
      "true",
    )
    .option("--node-cidr-mask-size <n>", "mask size of each node's podCIDR (default 24 for IPv4)")
    .option(
      "--default-local-storage-path <path>",
      "where the local-path provisioner puts volumes on each node (default <data-dir>/storage)",
    )
    .action(async (flags) => {
      // Loaded on use so `k8ts --help` and other commands stay fast.
      const { startControlPlane, stopOnSignals, defaultDataDir, deferred } =
        await import("./control-plane.ts");
      // Bad kubelet flags fail before anything starts.
      (await import("./kubelet-flags.ts")).kubeletNodeOptions(flags);
      const started = deferred<{ stop(): Promise<void> }>();
      stopOnSignals(started.promise);
      await startServer(flags, startControlPlane, defaultDataDir).then(started.resolve, (err) => {
        started.reject(err);
        throw err;
      });
    });
}

/** Starts the control plane, the HA parts and the server components; resolves once all run. */
async function startServer(
  flags: ControlPlaneFlags &
    ServerComponentFlags &
    HaServerFlags &
    KubeletNodeFlags & { disableAgent?: boolean },
  startControlPlane: typeof import("./control-plane.ts").startControlPlane,
  defaultDataDir: () => string,
): Promise<{ stop(): Promise<void> }> {
  const { haMemberExists } = await import("../ha/ha-flags.ts");
  const wantsHa =
    flags.clusterInit ||
    flags.server ||
    flags.token ||
    flags.etcd ||
    haMemberExists(flags.dataDir ?? defaultDataDir());
  const ha = wantsHa
    ? await (
        await import("../ha/ha-server.ts")
      ).prepareHaServer(flags, defaultDataDir(), (m, f) =>
        process.stderr.write(`k8ts server: ${m}${f ? ` ${JSON.stringify(f)}` : ""}\n`),
      )
    : undefined;
  const plane = await startControlPlane(flags).catch(async (err) => {
    await ha?.stop();
    throw err;
  });
  if (ha) {
    const stopApi = plane.stop.bind(plane);
    plane.stop = async () => {
      await stopApi();
      await ha.stop();
    };
  }
  await plane.apiServer.ready;
  await ha?.afterStart(plane);
  const { startServerComponents } = await import("./server-components.ts");
  const components = await startServerComponents(plane, flags).catch(async (err) => {
    await plane.stop();
    throw err;
  });
  const stopPlane = plane.stop.bind(plane);
  plane.stop = async () => {
    const t = new StepTimer();
    await components.stop();
    t.lap("componentsMs");
    await stopPlane();
    t.lap("controlPlaneMs");
    logSteps(createLogger("server"), "server stopped", t);
  };
  process.stdout.write(
    [
      `k8ts server: API server listening on ${plane.apiServer.url}`,
      flags.disableAgent
        ? "agent disabled: control plane only"
        : `node ${components.nodeName} is running pods through containerd`,
      `To use the cluster:`,
      `  export KUBECONFIG=${plane.kubeconfigPath}`,
      `  kubectl get namespaces`,
      "",
    ].join("\n"),
  );
  return plane;
}

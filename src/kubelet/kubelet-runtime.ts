/**
 * The kubelet's container runtime, by its options: the simulated runtime,
 * a CRI client of an existing endpoint, or (the default) a CRI node the
 * kubelet owns (routes, CNI config, its own containerd, built-in images),
 * torn down by close().
 */
import type { Clock } from "../client/clock.ts";
import type { Logger } from "../util/logger.ts";
import { bridgeName, startCriNode, type CriNode } from "./cri-node.ts";
import type { KubeletOptions } from "./kubelet-options.ts";
import { CriRuntime } from "./runtime/cri/cri-runtime.ts";
import type { ContainerRuntime } from "./runtime/runtime.ts";
import { SimulatedRuntime } from "./runtime/simulated/simulated-runtime.ts";

export interface KubeletRuntime {
  runtime: ContainerRuntime;
  /** "containerd" or "simulated" (containerStatuses' containerID scheme). */
  runtimeName: string;
  /** The containerd the kubelet owns, if any. */
  criNode?: CriNode;
  /** Tears the owned node down, or closes the client. */
  close(): Promise<void>;
}

/** Opens (or starts) the runtime the options ask for. */
export async function openKubeletRuntime(
  opts: KubeletOptions,
  ctx: { clock: Clock; log: Logger; podCIDR: string; cgroupRoot: string },
): Promise<KubeletRuntime> {
  if (opts.runtime === "simulated") {
    const runtime = new SimulatedRuntime({ clock: ctx.clock, ...opts.simulated });
    return { runtime, runtimeName: "simulated", close: async () => runtime.close() };
  }
  if (opts.containerRuntimeEndpoint) {
    const runtime = new CriRuntime(opts.containerRuntimeEndpoint);
    return { runtime, runtimeName: "containerd", close: async () => runtime.close() };
  }
  const criNode = await startCriNode({
    dataDir: opts.dataDir,
    nodeName: opts.nodeName,
    podCIDR: ctx.podCIDR,
    clusterCIDR: opts.clusterCIDR ?? "10.42.0.0/16",
    serviceCIDR: opts.serviceCIDR ?? "10.43.0.0/16",
    bridge: opts.bridge ?? bridgeName(opts.nodeName),
    cgroupRoot: ctx.cgroupRoot,
    log: ctx.log,
    importImages: opts.importImages ?? true,
  });
  return {
    runtime: criNode.runtime,
    runtimeName: "containerd",
    criNode,
    close: () => criNode.teardown(),
  };
}

/**
 * kube-proxy as `k8ts agent` runs it on a joined node: with the kubelet's
 * node credentials (so endpoints come from Endpoints, readable by
 * system:node), pod routes to the other nodes, health checks on the node IP.
 */
import type { RestClient } from "../client/rest-client.ts";
import { createLogger } from "../util/logger.ts";
import { startProxy, type RunningProxy } from "./proxy-server.ts";

export interface AgentProxyOptions {
  client: RestClient;
  nodeName: string;
  /** The node's InternalIP (default 127.0.0.1). */
  nodeIP?: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
}

/** Starts the node's proxy; resolves once its caches synced. */
export function startAgentProxy(opts: AgentProxyOptions): Promise<RunningProxy> {
  const nodeIP = opts.nodeIP ?? "127.0.0.1";
  return startProxy({
    client: opts.client,
    nodeName: opts.nodeName,
    nodeIP,
    clusterCIDR: opts.clusterCIDR ?? "10.42.0.0/16",
    serviceCIDR: opts.serviceCIDR ?? "10.43.0.0/16",
    endpointsSource: "Endpoints",
    syncPodRoutes: true,
    healthCheckBindAddress: nodeIP,
    log: createLogger("kube-proxy", { fields: { node: opts.nodeName } }),
  });
}

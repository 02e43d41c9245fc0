/**
 * How the API server reaches kubelets: the node's address (InternalIP,
 * then Hostname, as upstream's --kubelet-preferred-address-types would
 * pick on this project's nodes) and port (node.status.daemonEndpoints.
 * kubeletEndpoint.Port), over HTTPS with the apiserver-kubelet-client
 * certificate. Kubelet serving certificates are not verified unless a CA
 * was configured (upstream without --kubelet-certificate-authority).
 *
 * The client configuration is registered per server (a registry keyed by
 * the ServerContext); servers without one connect without a client
 * certificate.
 */
import type { Node } from "kubernetes-types/core/v1.d.ts";
import { StatusError } from "../../api/status.ts";
import type { ServerContext } from "../context.ts";

export interface KubeletClientConfig {
  certPem?: string;
  keyPem?: string;
  /** Verify kubelet serving certificates against this CA. */
  caPem?: string;
}

const configs = new WeakMap<ServerContext, KubeletClientConfig>();

/** Registers the credentials `server` uses towards kubelets. */
export function configureKubeletClient(server: ServerContext, config: KubeletClientConfig): void {
  configs.set(server, config);
}

/** The registered credentials (empty when none). */
export function kubeletClientConfig(server: ServerContext): KubeletClientConfig {
  return configs.get(server) ?? {};
}

export interface KubeletLocation {
  host: string;
  port: number;
  /** TLS options for https.request / tls.connect. */
  tls: { cert?: string; key?: string; ca?: string; rejectUnauthorized: boolean };
}

/** Picks the address the API server dials for a node. */
export function nodeAddress(node: Node): string | undefined {
  const addrs = node.status?.addresses ?? [];
  for (const type of ["InternalIP", "Hostname", "ExternalIP"]) {
    const a = addrs.find((x) => x.type === type)?.address;
    if (a) return a;
  }
  return undefined;
}

/** Finds the named node's kubelet; NotFound / ServiceUnavailable as upstream. */
export async function locateKubelet(
  server: ServerContext,
  nodeName: string,
): Promise<KubeletLocation> {
  const def = server.registry.get("", "v1", "nodes")!;
  const node = (await server.store.tryGet(def, "", nodeName)) as Node | undefined;
  if (!node) {
    throw new StatusError("NotFound", `nodes "${nodeName}" not found`, {
      name: nodeName,
      kind: "nodes",
    });
  }
  const host = nodeAddress(node);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port) {
    throw new StatusError(
      "ServiceUnavailable",
      `no preferred addresses found; known addresses: ${JSON.stringify(node.status?.addresses ?? [])}`,
    );
  }
  const cfg = kubeletClientConfig(server);
  return {
    host,
    port,
    tls: { cert: cfg.certPem, key: cfg.keyPem, ca: cfg.caPem, rejectUnauthorized: !!cfg.caPem },
  };
}

/**
 * kube-apiserver's service flags: --service-cluster-ip-range,
 * --service-node-port-range and --advertise-address.
 */
import type { Command } from "commander";
import type { EndpointReconcilerType } from "./kubernetes-service.ts";
import { podGateway, type ServiceNetworkingOptions } from "./service-networking.ts";
import {
  clusterIPRange,
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_SERVICE_CIDR,
  nodePortRange,
} from "./service-ranges.ts";

/** As commander names them (camel case of the flag). */
export interface ServiceFlags {
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
  advertiseAddress?: string;
  endpointReconcilerType?: string;
  /** `k8ts server --pod-cidr`: the node's podCIDR; its gateway is the default advertise address. */
  podCidr?: string;
  /** `k8ts server --disable-agent`: no pod bridge on this host. */
  disableAgent?: boolean;
  /** HA flags (src/ha/ha-flags.ts): several servers share the cluster. */
  clusterInit?: boolean;
  server?: string;
  token?: string;
  etcd?: string;
}

const RECONCILER_TYPES = ["lease", "master-count", "none"] as const;

/** Adds the flags to a command (returns it, for chaining). */
export function addServiceFlags(cmd: Command): Command {
  return cmd
    .option(
      "--service-cluster-ip-range <cidr>",
      "IPv4 CIDR that service cluster IPs are allocated from",
      DEFAULT_SERVICE_CIDR,
    )
    .option(
      "--service-node-port-range <range>",
      "port range reserved for NodePort services",
      DEFAULT_NODE_PORT_RANGE,
    )
    .option(
      "--advertise-address <ip>",
      "address pods reach the API server at, published in the kubernetes Endpoints (default: the bind address, or the node pod bridge gateway 10.42.0.1 when bound to loopback)",
    )
    .option(
      "--endpoint-reconciler-type <type>",
      "how the kubernetes endpoints are kept: lease, master-count or none (default: lease when joining or starting an HA cluster, else master-count)",
    );
}

/**
 * Options for startApiServer; throws on a malformed range. A server bound to
 * loopback also accepts connections on the advertise address once it exists.
 */
export function serviceOptionsFromFlags(flags: ServiceFlags): ServiceNetworkingOptions {
  const serviceClusterIPRange = flags.serviceClusterIpRange ?? DEFAULT_SERVICE_CIDR;
  const serviceNodePortRange = flags.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  clusterIPRange(serviceClusterIPRange);
  nodePortRange(serviceNodePortRange);
  const type = flags.endpointReconcilerType;
  if (type !== undefined && !(RECONCILER_TYPES as readonly string[]).includes(type))
    throw new Error(`Invalid --endpoint-reconciler-type ${type}: want lease, master-count or none`);
  const ha = !!(flags.clusterInit || flags.server || flags.token || flags.etcd);
  return {
    endpointReconcilerType:
      (type as EndpointReconcilerType | undefined) ?? (ha ? "lease" : "master-count"),
    serviceClusterIPRange,
    serviceNodePortRange,
    advertiseAddress:
      flags.advertiseAddress ??
      (flags.podCidr && !flags.disableAgent ? podGateway(flags.podCidr) : undefined),
    listenOnAdvertiseAddress: true,
  };
}

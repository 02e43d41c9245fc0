/**
 * kube-apiserver's service flags: --service-cluster-ip-range,
 * --service-node-port-range and --advertise-address.
 */
import type { Command } from "commander";
import type { ServiceNetworkingOptions } from "./service-networking.ts";
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
}

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
  return {
    serviceClusterIPRange,
    serviceNodePortRange,
    advertiseAddress: flags.advertiseAddress,
    listenOnAdvertiseAddress: true,
  };
}

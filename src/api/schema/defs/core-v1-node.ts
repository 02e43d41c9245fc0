/**
 * core/v1 node types: Node, NodeSpec, NodeStatus and their parts. Field names
 * and protobuf numbers follow k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, listOf, mergeBy, objectMetaField, p, r, SET } from "./spec-builders.ts";

const core = (kind: string) => ({ group: "", version: "v1", kind });

export const coreV1NodeTypes: Record<string, TypeSpec> = {
  Node: {
    description: "A machine that runs pods.",
    gvk: [core("Node")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "NodeSpec", "Desired configuration of the node."),
      status: f(3, "NodeStatus", "Observed state of the node."),
    },
  },
  NodeList: listOf("Node", core("NodeList")),
  NodeSpec: {
    description: "Desired configuration of a node.",
    fields: {
      podCIDR: f(1, "string", "Pod IP range of the node."),
      podCIDRs: f(7, "[]string", "Pod IP ranges, at most one per family.", {
        patchStrategy: "merge",
        ...SET,
      }),
      providerID: f(3, "string", "Cloud provider ID as <provider>://<id>."),
      unschedulable: f(4, "bool", "Keep new pods off the node (cordon)."),
      taints: f(5, "[]Taint", "Taints of the node.", ATOMIC),
      configSource: p(6, "NodeConfigSource", "Deprecated: dynamic kubelet config source."),
      externalID: f(2, "string", "Deprecated."),
    },
  },
  NodeConfigSource: {
    description: "Deprecated: source of a node's kubelet configuration.",
    fields: {
      configMap: p(2, "ConfigMapNodeConfigSource", "ConfigMap holding the configuration."),
    },
  },
  ConfigMapNodeConfigSource: {
    description: "Deprecated: a ConfigMap holding kubelet configuration.",
    fields: {
      namespace: r(1, "string", "ConfigMap namespace."),
      name: r(2, "string", "ConfigMap name."),
      uid: f(3, "string", "ConfigMap UID."),
      resourceVersion: f(4, "string", "ConfigMap resourceVersion."),
      kubeletConfigKey: r(5, "string", "Key holding the KubeletConfiguration."),
    },
  },
  NodeConfigStatus: {
    description: "Deprecated: state of the dynamic kubelet configuration.",
    fields: {
      assigned: p(1, "NodeConfigSource", "Configuration the node will use."),
      active: p(2, "NodeConfigSource", "Configuration in use."),
      lastKnownGood: p(3, "NodeConfigSource", "Fallback configuration."),
      error: f(4, "string", "Problem applying the configuration."),
    },
  },
  NodeStatus: {
    description: "Observed state of a node.",
    fields: {
      capacity: f(1, "map[Quantity]", "Total resources of the node."),
      allocatable: f(2, "map[Quantity]", "Resources available to pods."),
      phase: f(3, "string", "Deprecated, never set.", {
        enum: ["Pending", "Running", "Terminated"],
      }),
      conditions: f(4, "[]NodeCondition", "Current conditions, e.g. Ready.", mergeBy("type")),
      addresses: f(5, "[]NodeAddress", "Addresses of the node.", mergeBy("type")),
      daemonEndpoints: f(6, "NodeDaemonEndpoints", "Ports of daemons on the node."),
      nodeInfo: f(7, "NodeSystemInfo", "Identity and versions of the node."),
      images: f(8, "[]ContainerImage", "Images present on the node.", ATOMIC),
      volumesInUse: f(9, "[]string", "Attachable volumes in use.", ATOMIC),
      volumesAttached: f(10, "[]AttachedVolume", "Volumes attached to the node.", ATOMIC),
      config: p(11, "NodeConfigStatus", "Deprecated: dynamic config state."),
      runtimeHandlers: f(12, "[]NodeRuntimeHandler", "Runtime handlers available.", ATOMIC),
      features: p(13, "NodeFeatures", "Features the node implements."),
    },
  },
  NodeCondition: {
    description: "One condition of a node.",
    fields: {
      type: r(1, "string", "Condition type, e.g. Ready or MemoryPressure."),
      status: r(2, "string", "True, False or Unknown."),
      lastHeartbeatTime: f(3, "Time", "When the condition was last reported."),
      lastTransitionTime: f(4, "Time", "When the status last changed."),
      reason: f(5, "string", "CamelCase cause of the last change."),
      message: f(6, "string", "Details of the last change."),
    },
  },
  NodeAddress: {
    description: "One address of a node.",
    fields: {
      type: r(1, "string", "Address type.", {
        enum: ["Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS"],
      }),
      address: r(2, "string", "The address."),
    },
  },
  NodeDaemonEndpoints: {
    description: "Ports of daemons running on a node.",
    fields: { kubeletEndpoint: f(1, "DaemonEndpoint", "Kubelet endpoint.") },
  },
  DaemonEndpoint: {
    description: "One daemon endpoint.",
    fields: { Port: r(1, "int32", "Port number.") },
  },
  NodeSystemInfo: {
    description: "Identity and software versions of a node.",
    fields: {
      machineID: r(1, "string", "Machine ID."),
      systemUUID: r(2, "string", "System UUID."),
      bootID: r(3, "string", "Boot ID."),
      kernelVersion: r(4, "string", "Kernel version (uname -r)."),
      osImage: r(5, "string", "OS image from /etc/os-release."),
      containerRuntimeVersion: r(6, "string", "Runtime as <runtime>://<version>."),
      kubeletVersion: r(7, "string", "Kubelet version."),
      kubeProxyVersion: r(8, "string", "Deprecated: kube-proxy version."),
      operatingSystem: r(9, "string", "Operating system."),
      architecture: r(10, "string", "CPU architecture."),
      swap: p(11, "NodeSwapStatus", "Swap memory of the node."),
    },
  },
  NodeSwapStatus: {
    description: "Swap memory of a node.",
    fields: { capacity: p(1, "int64", "Swap capacity in bytes.") },
  },
  NodeRuntimeHandler: {
    description: "One runtime handler of a node.",
    fields: {
      name: r(1, "string", "Handler name; empty for the default."),
      features: p(2, "NodeRuntimeHandlerFeatures", "Features of the handler."),
    },
  },
  NodeRuntimeHandlerFeatures: {
    description: "Features of a runtime handler.",
    fields: {
      recursiveReadOnlyMounts: p(1, "bool", "Supports recursive read-only mounts."),
      userNamespaces: p(2, "bool", "Supports user namespaces."),
    },
  },
  NodeFeatures: {
    description: "Features a node implements.",
    fields: { supplementalGroupsPolicy: p(1, "bool", "Supports supplementalGroupsPolicy.") },
  },
  ContainerImage: {
    description: "An image present on a node.",
    fields: {
      names: f(1, "[]string", "Names of the image.", ATOMIC),
      sizeBytes: f(2, "int64", "Size in bytes."),
    },
  },
  AttachedVolume: {
    description: "A volume attached to a node.",
    fields: {
      name: r(1, "string", "Unique volume name."),
      devicePath: r(2, "string", "Device path of the volume."),
    },
  },
};

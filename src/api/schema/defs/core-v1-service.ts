/**
 * core/v1 service types: Service, Endpoints and ServiceAccount. Field names
 * and protobuf numbers follow k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, listOf, META, mergeBy, objectMetaField, p, r } from "./spec-builders.ts";

const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const core = (kind: string) => ({ group: "", version: "v1", kind });

export const coreV1ServiceTypes: Record<string, TypeSpec> = {
  Service: {
    description: "A stable virtual IP and DNS name in front of a set of pods.",
    gvk: [core("Service")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "ServiceSpec", "Desired behaviour of the service."),
      status: f(3, "ServiceStatus", "Observed state of the service."),
    },
  },
  ServiceList: listOf("Service", core("ServiceList")),
  ServiceSpec: {
    description: "Desired behaviour of a service.",
    fields: {
      ports: f(
        1,
        "[]ServicePort",
        "Ports the service exposes.",
        mergeBy("port", { listMapKeys: ["port", "protocol"] }),
      ),
      selector: f(2, "map[string]", "Labels of the pods that back the service.", {
        mapType: "atomic",
      }),
      clusterIP: f(3, "string", "Virtual IP; None makes a headless service."),
      clusterIPs: f(18, "[]string", "Virtual IPs, at most one per family.", ATOMIC),
      type: f(4, "string", "How the service is exposed (default ClusterIP).", {
        enum: ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
      }),
      externalIPs: f(5, "[]string", "Extra IPs nodes accept traffic for.", ATOMIC),
      sessionAffinity: f(7, "string", "ClientIP or None (default).", {
        enum: ["ClientIP", "None"],
      }),
      loadBalancerIP: f(8, "string", "Deprecated: requested load balancer IP."),
      loadBalancerSourceRanges: f(
        9,
        "[]string",
        "Client CIDRs allowed through the load balancer.",
        ATOMIC,
      ),
      externalName: f(10, "string", "DNS name an ExternalName service aliases."),
      externalTrafficPolicy: f(11, "string", "Routing of external traffic.", {
        enum: ["Cluster", "Local"],
      }),
      healthCheckNodePort: f(12, "int32", "Health check node port for Local external traffic."),
      publishNotReadyAddresses: f(13, "bool", "Publish endpoints that are not ready."),
      sessionAffinityConfig: p(14, "SessionAffinityConfig", "Session affinity settings."),
      ipFamilies: f(19, "[]string", "IP families, IPv4 and/or IPv6.", {
        ...ATOMIC,
        enum: ["IPv4", "IPv6"],
      }),
      ipFamilyPolicy: p(17, "string", "Single or dual stack.", {
        enum: ["SingleStack", "PreferDualStack", "RequireDualStack"],
      }),
      allocateLoadBalancerNodePorts: p(
        20,
        "bool",
        "Allocate node ports for LoadBalancer services (default true).",
      ),
      loadBalancerClass: p(21, "string", "Load balancer implementation to use."),
      internalTrafficPolicy: p(22, "string", "Routing of cluster-internal traffic.", {
        enum: ["Cluster", "Local"],
      }),
      trafficDistribution: p(23, "string", "Preference for routing traffic, e.g. PreferClose."),
    },
  },
  ServicePort: {
    description: "One port of a service.",
    fields: {
      name: f(1, "string", "Port name, required when there are several ports."),
      protocol: f(2, "string", "TCP (default), UDP or SCTP.", { enum: PROTOCOLS }),
      appProtocol: p(6, "string", "Application protocol hint."),
      port: r(3, "int32", "Port the service exposes."),
      targetPort: f(4, "IntOrString", "Pod port number or name; defaults to port."),
      nodePort: f(5, "int32", "Port on every node, for NodePort and LoadBalancer."),
    },
  },
  ServiceStatus: {
    description: "Observed state of a service.",
    fields: {
      loadBalancer: f(1, "LoadBalancerStatus", "State of the load balancer, if any."),
      conditions: f(2, `[]${META}.Condition`, "Current conditions.", mergeBy("type")),
    },
  },
  LoadBalancerStatus: {
    description: "State of a load balancer.",
    fields: {
      ingress: f(1, "[]LoadBalancerIngress", "Ingress points of the load balancer.", ATOMIC),
    },
  },
  LoadBalancerIngress: {
    description: "One ingress point of a load balancer.",
    fields: {
      ip: f(1, "string", "IP of the ingress point."),
      hostname: f(2, "string", "DNS name of the ingress point."),
      ipMode: p(3, "string", "How traffic to the IP is delivered.", { enum: ["VIP", "Proxy"] }),
      ports: f(4, "[]PortStatus", "Per-port state.", ATOMIC),
    },
  },
  PortStatus: {
    description: "State of one service port on a load balancer.",
    fields: {
      port: r(1, "int32", "Service port."),
      protocol: r(2, "string", "Port protocol.", { enum: PROTOCOLS }),
      error: p(3, "string", "Problem with the port, if any."),
    },
  },
  SessionAffinityConfig: {
    description: "Session affinity settings.",
    fields: { clientIP: p(1, "ClientIPConfig", "Client IP affinity settings.") },
  },
  ClientIPConfig: {
    description: "Client IP session affinity settings.",
    fields: { timeoutSeconds: p(1, "int32", "Sticky session time (default 10800).") },
  },
  Endpoints: {
    description: "The addresses and ports that implement a service.",
    gvk: [core("Endpoints")],
    fields: {
      metadata: objectMetaField(),
      subsets: f(2, "[]EndpointSubset", "Groups of addresses sharing ports.", ATOMIC),
    },
  },
  EndpointsList: listOf("Endpoints", core("EndpointsList")),
  EndpointSubset: {
    description: "Addresses sharing a set of ports.",
    fields: {
      addresses: f(1, "[]EndpointAddress", "Ready addresses.", ATOMIC),
      notReadyAddresses: f(2, "[]EndpointAddress", "Addresses not ready yet.", ATOMIC),
      ports: f(3, "[]EndpointPort", "Ports on those addresses.", ATOMIC),
    },
  },
  EndpointAddress: {
    description: "One endpoint IP.",
    fields: {
      ip: r(1, "string", "The IP."),
      hostname: f(3, "string", "Hostname of the endpoint."),
      nodeName: p(4, "string", "Node hosting the endpoint."),
      targetRef: p(2, "ObjectReference", "Object providing the endpoint, usually a pod."),
    },
  },
  EndpointPort: {
    description: "One endpoint port.",
    fields: {
      name: f(1, "string", "Name matching the service port."),
      port: r(2, "int32", "Port number."),
      protocol: f(3, "string", "TCP (default), UDP or SCTP.", { enum: PROTOCOLS }),
      appProtocol: p(4, "string", "Application protocol hint."),
    },
  },
  ServiceAccount: {
    description: "An identity for processes running in pods.",
    gvk: [core("ServiceAccount")],
    fields: {
      metadata: objectMetaField(),
      secrets: f(2, "[]ObjectReference", "Secrets pods of this account may use.", mergeBy("name")),
      imagePullSecrets: f(3, "[]LocalObjectReference", "Secrets for pulling images.", ATOMIC),
      automountServiceAccountToken: p(4, "bool", "Whether pods get an API token mounted."),
    },
  },
  ServiceAccountList: listOf("ServiceAccount", core("ServiceAccountList")),
};

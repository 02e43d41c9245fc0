/** Builders for the objects proxy tests feed the proxier. */
import type { Service, ServiceSpec } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";

export function makeService(
  name: string,
  clusterIP: string,
  spec: Partial<ServiceSpec> = {},
  lbIngress: string[] = [],
): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", resourceVersion: "1" },
    spec: {
      type: "ClusterIP",
      clusterIP,
      clusterIPs: [clusterIP],
      ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
      ...spec,
    },
    status: { loadBalancer: { ingress: lbIngress.map((ip) => ({ ip })) } },
  };
}

export interface EndpointSpec {
  ip: string;
  ready?: boolean;
  nodeName?: string;
}

export function makeSlice(
  service: string,
  endpoints: EndpointSpec[],
  port = 8080,
  portName = "http",
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${service}-abcde`,
      namespace: "default",
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    ports: [{ name: portName, port, protocol: "TCP" }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true },
      nodeName: e.nodeName ?? "node1",
    })),
  };
}

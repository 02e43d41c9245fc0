/**
 * discovery.k8s.io/v1: EndpointSlice.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  Endpoint: "One backend of a service.",
  "Endpoint.addresses": "Addresses of the backend, of the slice's addressType.",
  "Endpoint.conditions": "Readiness of the backend.",
  "Endpoint.hostname": "Host name, used e.g. for DNS records.",
  "Endpoint.targetRef": "Object (usually a pod) behind the endpoint.",
  "Endpoint.deprecatedTopology": "Topology labels kept from v1beta1; not writable in v1.",
  "Endpoint.nodeName": "Node hosting the endpoint.",
  "Endpoint.zone": "Zone of the endpoint.",
  "Endpoint.hints": "Hints for topology-aware routing.",
  EndpointConditions: "Readiness state of an endpoint; unset means unknown.",
  "EndpointConditions.ready": "Ready to receive traffic.",
  "EndpointConditions.serving": "Ready, ignoring termination.",
  "EndpointConditions.terminating": "Shutting down.",
  EndpointHints: "How an endpoint should be consumed.",
  "EndpointHints.forZones": "Zones that should route to this endpoint.",
  EndpointPort: "A port exposed by the endpoints of a slice.",
  "EndpointPort.name": "Port name, unique in the slice.",
  "EndpointPort.protocol": "TCP (default), UDP or SCTP.",
  "EndpointPort.port": "Port number; unset means all ports.",
  "EndpointPort.appProtocol": "Application protocol hint, e.g. kubernetes.io/h2c.",
  EndpointSlice: "Part of the set of endpoints behind a service.",
  "EndpointSlice.metadata": "Standard object metadata.",
  "EndpointSlice.addressType": "IPv4, IPv6 or FQDN; immutable.",
  "EndpointSlice.endpoints": "The endpoints in this slice.",
  "EndpointSlice.ports": "Ports every endpoint exposes.",
  EndpointSliceList: "A list of endpoint slices.",
  "EndpointSliceList.metadata": "Standard list metadata.",
  "EndpointSliceList.items": "The endpoint slices.",
  ForZone: "A zone that should consume an endpoint.",
  "ForZone.name": "Zone name.",
};

export const discoveryV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.discovery.v1",
    types: {
      Endpoint: {
        fields: {
          addresses: [1, "[]string", { required: true, listType: "set" }],
          conditions: [2, "EndpointConditions"],
          hostname: [3, "string", { pointer: true }],
          targetRef: [4, `${CORE}.ObjectReference`],
          deprecatedTopology: [5, "map[string]"],
          nodeName: [6, "string", { pointer: true }],
          zone: [7, "string", { pointer: true }],
          hints: [8, "EndpointHints"],
        },
      },
      EndpointConditions: {
        fields: {
          ready: [1, "bool", { pointer: true }],
          serving: [2, "bool", { pointer: true }],
          terminating: [3, "bool", { pointer: true }],
        },
      },
      EndpointHints: {
        fields: {
          forZones: [1, "[]ForZone", { listType: "atomic" }],
        },
      },
      EndpointPort: {
        fields: {
          name: [1, "string", { pointer: true }],
          protocol: [2, "string", { pointer: true, enum: ["SCTP", "TCP", "UDP"] }],
          port: [3, "int32", { pointer: true }],
          appProtocol: [4, "string", { pointer: true }],
        },
      },
      EndpointSlice: {
        gvk: [{ group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          addressType: [
            4,
            "string",
            { required: true, pointer: true, enum: ["FQDN", "IPv4", "IPv6"] },
          ],
          endpoints: [2, "[]Endpoint", { required: true, listType: "atomic" }],
          ports: [3, "[]EndpointPort", { listType: "atomic" }],
        },
      },
      EndpointSliceList: {
        gvk: [{ group: "discovery.k8s.io", version: "v1", kind: "EndpointSliceList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]EndpointSlice", { required: true }],
        },
      },
      ForZone: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
        },
      },
    },
  },
  docs,
);

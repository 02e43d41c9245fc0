/**
 * networking.k8s.io/v1: NetworkPolicy, Ingress, IngressClass.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CORE = "io.k8s.api.core.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  HTTPIngressPath: "Routes requests whose path matches to a backend.",
  "HTTPIngressPath.path": "Path to match; must start with '/'.",
  "HTTPIngressPath.pathType": "Exact, Prefix or ImplementationSpecific.",
  "HTTPIngressPath.backend": "Where matching requests are sent.",
  HTTPIngressRuleValue: "HTTP path rules of one host.",
  "HTTPIngressRuleValue.paths": "Path rules, each mapping to a backend.",
  IPBlock: "A CIDR range, minus exceptions, allowed by a policy rule.",
  "IPBlock.cidr": "The range, e.g. 10.0.0.0/8.",
  "IPBlock.except": "Sub-ranges excluded from cidr.",
  Ingress: "Rules routing external HTTP(S) traffic to services.",
  "Ingress.metadata": "Standard object metadata.",
  "Ingress.spec": "Desired routing.",
  "Ingress.status": "Observed load balancer state.",
  IngressBackend: "A service port or another resource that receives traffic.",
  "IngressBackend.service": "A service and port; exclusive with resource.",
  "IngressBackend.resource": "Another object in the namespace; exclusive with service.",
  IngressClass: "A class of ingresses and the controller that implements it.",
  "IngressClass.metadata": "Standard object metadata.",
  "IngressClass.spec": "The controller and its parameters.",
  IngressClassList: "A list of ingress classes.",
  "IngressClassList.metadata": "Standard list metadata.",
  "IngressClassList.items": "The ingress classes.",
  IngressClassParametersReference: "Points at an object holding controller parameters.",
  "IngressClassParametersReference.apiGroup": "API group of the object (empty for core).",
  "IngressClassParametersReference.kind": "Kind of the object.",
  "IngressClassParametersReference.name": "Name of the object.",
  "IngressClassParametersReference.scope": "Cluster (default) or Namespace.",
  "IngressClassParametersReference.namespace": "Namespace of the object when scope is Namespace.",
  IngressClassSpec: "Which controller implements the class.",
  "IngressClassSpec.controller": "Controller name, e.g. example.com/ingress-controller; immutable.",
  "IngressClassSpec.parameters": "Extra configuration for the controller.",
  IngressList: "A list of ingresses.",
  "IngressList.metadata": "Standard list metadata.",
  "IngressList.items": "The ingresses.",
  IngressLoadBalancerIngress: "One entry point of the load balancer.",
  "IngressLoadBalancerIngress.ip": "IP address of the entry point.",
  "IngressLoadBalancerIngress.hostname": "DNS name of the entry point.",
  "IngressLoadBalancerIngress.ports": "Ports exposed by the entry point.",
  IngressLoadBalancerStatus: "State of the ingress load balancer.",
  "IngressLoadBalancerStatus.ingress": "Entry points of the load balancer.",
  IngressPortStatus: "State of one load balancer port.",
  "IngressPortStatus.port": "Port number.",
  "IngressPortStatus.protocol": "TCP, UDP or SCTP.",
  "IngressPortStatus.error": "Problem with the port, if any.",
  IngressRule: "Routing rules for one host (or every host).",
  "IngressRule.host": "Host name to match; may start with a '*.' wildcard label.",
  "IngressRule.http": "HTTP path rules.",
  IngressServiceBackend: "A service and port receiving ingress traffic.",
  "IngressServiceBackend.name": "Service name in the ingress namespace.",
  "IngressServiceBackend.port": "Service port, by name or number.",
  IngressSpec: "Desired routing of an ingress.",
  "IngressSpec.ingressClassName": "IngressClass that should serve this ingress.",
  "IngressSpec.defaultBackend": "Backend for requests no rule matches.",
  "IngressSpec.tls": "TLS settings per host set.",
  "IngressSpec.rules": "Host rules; unmatched traffic goes to defaultBackend.",
  IngressStatus: "Observed state of an ingress.",
  "IngressStatus.loadBalancer": "State of the load balancer.",
  IngressTLS: "TLS termination for a set of hosts.",
  "IngressTLS.hosts": "Hosts covered by the certificate.",
  "IngressTLS.secretName": "Secret holding the certificate and key.",
  NetworkPolicy: "Which traffic may reach or leave a set of pods.",
  "NetworkPolicy.metadata": "Standard object metadata.",
  "NetworkPolicy.spec": "The policy's pod selection and rules.",
  NetworkPolicyEgressRule: "Outgoing traffic allowed to some peers on some ports.",
  "NetworkPolicyEgressRule.ports": "Destination ports; empty means all.",
  "NetworkPolicyEgressRule.to": "Destinations; empty means all.",
  NetworkPolicyIngressRule: "Incoming traffic allowed from some peers on some ports.",
  "NetworkPolicyIngressRule.ports": "Ports on the selected pods; empty means all.",
  "NetworkPolicyIngressRule.from": "Sources; empty means all.",
  NetworkPolicyList: "A list of network policies.",
  "NetworkPolicyList.metadata": "Standard list metadata.",
  "NetworkPolicyList.items": "The network policies.",
  NetworkPolicyPeer: "A set of pods, namespaces or IP ranges.",
  "NetworkPolicyPeer.podSelector": "Pods, in this or the selected namespaces.",
  "NetworkPolicyPeer.namespaceSelector": "Namespaces whose pods are selected.",
  "NetworkPolicyPeer.ipBlock": "An IP range; exclusive with the selectors.",
  NetworkPolicyPort: "A port (or range) and protocol.",
  "NetworkPolicyPort.protocol": "TCP (default), UDP or SCTP.",
  "NetworkPolicyPort.port": "Port number or named pod port; empty means all.",
  "NetworkPolicyPort.endPort": "Last port of a range starting at port.",
  NetworkPolicySpec: "Pods a policy applies to and the traffic it allows.",
  "NetworkPolicySpec.podSelector":
    "Pods the policy applies to; empty selects all in the namespace.",
  "NetworkPolicySpec.ingress": "Allowed incoming traffic.",
  "NetworkPolicySpec.egress": "Allowed outgoing traffic.",
  "NetworkPolicySpec.policyTypes": "Ingress, Egress or both.",
  ServiceBackendPort: "A service port by name or number.",
  "ServiceBackendPort.name": "Port name; exclusive with number.",
  "ServiceBackendPort.number": "Port number; exclusive with name.",
};

export const networkingV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.networking.v1",
    types: {
      HTTPIngressPath: {
        fields: {
          path: [1, "string"],
          pathType: [
            3,
            "string",
            { required: true, pointer: true, enum: ["Exact", "ImplementationSpecific", "Prefix"] },
          ],
          backend: [2, "IngressBackend", { required: true }],
        },
      },
      HTTPIngressRuleValue: {
        fields: {
          paths: [1, "[]HTTPIngressPath", { required: true, listType: "atomic" }],
        },
      },
      IPBlock: {
        fields: {
          cidr: [1, "string", { required: true, pointer: true }],
          except: [2, "[]string", { listType: "atomic" }],
        },
      },
      Ingress: {
        gvk: [{ group: "networking.k8s.io", version: "v1", kind: "Ingress" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "IngressSpec"],
          status: [3, "IngressStatus"],
        },
      },
      IngressBackend: {
        fields: {
          service: [4, "IngressServiceBackend"],
          resource: [3, `${CORE}.TypedLocalObjectReference`],
        },
      },
      IngressClass: {
        gvk: [{ group: "networking.k8s.io", version: "v1", kind: "IngressClass" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "IngressClassSpec"],
        },
      },
      IngressClassList: {
        gvk: [{ group: "networking.k8s.io", version: "v1", kind: "IngressClassList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]IngressClass", { required: true }],
        },
      },
      IngressClassParametersReference: {
        fields: {
          apiGroup: [1, "string", { pointer: true }],
          kind: [2, "string", { required: true, pointer: true }],
          name: [3, "string", { required: true, pointer: true }],
          scope: [4, "string", { pointer: true }],
          namespace: [5, "string", { pointer: true }],
        },
      },
      IngressClassSpec: {
        fields: {
          controller: [1, "string"],
          parameters: [2, "IngressClassParametersReference"],
        },
      },
      IngressList: {
        gvk: [{ group: "networking.k8s.io", version: "v1", kind: "IngressList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]Ingress", { required: true }],
        },
      },
      IngressLoadBalancerIngress: {
        fields: {
          ip: [1, "string"],
          hostname: [2, "string"],
          ports: [4, "[]IngressPortStatus", { listType: "atomic" }],
        },
      },
      IngressLoadBalancerStatus: {
        fields: {
          ingress: [1, "[]IngressLoadBalancerIngress", { listType: "atomic" }],
        },
      },
      IngressPortStatus: {
        fields: {
          port: [1, "int32", { required: true, pointer: true }],
          protocol: [2, "string", { required: true, pointer: true, enum: ["SCTP", "TCP", "UDP"] }],
          error: [3, "string", { pointer: true }],
        },
      },
      IngressRule: {
        fields: {
          host: [1, "string"],
          http: [1, "HTTPIngressRuleValue", { inlineIn: 2 }],
        },
      },
      IngressServiceBackend: {
        fields: {
          name: [1, "string", { required: true, pointer: true }],
          port: [2, "ServiceBackendPort"],
        },
      },
      IngressSpec: {
        fields: {
          ingressClassName: [4, "string", { pointer: true }],
          defaultBackend: [1, "IngressBackend"],
          tls: [2, "[]IngressTLS", { listType: "atomic" }],
          rules: [3, "[]IngressRule", { listType: "atomic" }],
        },
      },
      IngressStatus: {
        fields: {
          loadBalancer: [1, "IngressLoadBalancerStatus"],
        },
      },
      IngressTLS: {
        fields: {
          hosts: [1, "[]string", { listType: "atomic" }],
          secretName: [2, "string"],
        },
      },
      NetworkPolicy: {
        gvk: [{ group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "NetworkPolicySpec"],
        },
      },
      NetworkPolicyEgressRule: {
        fields: {
          ports: [1, "[]NetworkPolicyPort", { listType: "atomic" }],
          to: [2, "[]NetworkPolicyPeer", { listType: "atomic" }],
        },
      },
      NetworkPolicyIngressRule: {
        fields: {
          ports: [1, "[]NetworkPolicyPort", { listType: "atomic" }],
          from: [2, "[]NetworkPolicyPeer", { listType: "atomic" }],
        },
      },
      NetworkPolicyList: {
        gvk: [{ group: "networking.k8s.io", version: "v1", kind: "NetworkPolicyList" }],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]NetworkPolicy", { required: true }],
        },
      },
      NetworkPolicyPeer: {
        fields: {
          podSelector: [1, `${META}.LabelSelector`],
          namespaceSelector: [2, `${META}.LabelSelector`],
          ipBlock: [3, "IPBlock"],
        },
      },
      NetworkPolicyPort: {
        fields: {
          protocol: [1, "string", { pointer: true, enum: ["SCTP", "TCP", "UDP"] }],
          port: [2, "IntOrString", { pointer: true }],
          endPort: [3, "int32", { pointer: true }],
        },
      },
      NetworkPolicySpec: {
        fields: {
          podSelector: [1, `${META}.LabelSelector`],
          ingress: [2, "[]NetworkPolicyIngressRule", { listType: "atomic" }],
          egress: [3, "[]NetworkPolicyEgressRule", { listType: "atomic" }],
          policyTypes: [4, "[]string", { listType: "atomic" }],
        },
      },
      ServiceBackendPort: {
        fields: {
          name: [1, "string"],
          number: [2, "int32"],
        },
      },
    },
  },
  docs,
);

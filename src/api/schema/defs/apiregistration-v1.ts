/**
 * apiregistration.k8s.io/v1: APIService.
 * Field names, protobuf numbers and list/patch markers follow
 * k8s.io/kube-aggregator as served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { f, listOf, objectMetaField, p, r } from "./spec-builders.ts";

const gvk = (kind: string) => ({ group: "apiregistration.k8s.io", version: "v1", kind });

export const apiregistrationV1: SchemaPackage = {
  name: "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1",
  types: {
    APIService: {
      description: "A group version served by the API server or an extension API server.",
      gvk: [gvk("APIService")],
      fields: {
        metadata: objectMetaField(),
        spec: f(2, "APIServiceSpec", "Where the group version is served."),
        status: f(3, "APIServiceStatus", "Whether the group version is available."),
      },
    },
    APIServiceCondition: {
      description: "One condition of an APIService.",
      fields: {
        type: r(1, "string", "Condition type (Available)."),
        status: r(2, "string", "True, False or Unknown."),
        lastTransitionTime: f(3, "Time", "When the status last changed."),
        reason: f(4, "string", "CamelCase reason of the last change."),
        message: f(5, "string", "Human-readable details."),
      },
    },
    APIServiceList: listOf("APIService", gvk("APIServiceList")),
    APIServiceSpec: {
      description: "Where and how an APIService is served.",
      fields: {
        service: f(1, "ServiceReference", "Service of the extension API server; unset for local."),
        group: f(2, "string", "API group served."),
        version: f(3, "string", "API version served."),
        insecureSkipTLSVerify: f(4, "bool", "Skip verifying the server's certificate."),
        caBundle: f(5, "bytes", "PEM CA bundle verifying the server's certificate."),
        groupPriorityMinimum: r(7, "int32", "Priority of the group in discovery."),
        versionPriority: r(8, "int32", "Priority of the version within its group."),
      },
    },
    APIServiceStatus: {
      description: "Observed state of an APIService.",
      fields: {
        conditions: f(1, "[]APIServiceCondition", "Current conditions.", {
          patchStrategy: "merge",
          patchMergeKey: "type",
          listType: "map",
          listMapKeys: ["type"],
        }),
      },
    },
    ServiceReference: {
      description: "A Service hosting an extension API server.",
      fields: {
        namespace: f(1, "string", "Namespace of the service."),
        name: f(2, "string", "Name of the service."),
        port: p(3, "int32", "Port of the service (default 443)."),
      },
    },
  },
};

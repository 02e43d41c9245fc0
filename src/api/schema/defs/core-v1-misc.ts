/**
 * core/v1 configuration and policy types: Namespace, ConfigMap, Secret,
 * Event, LimitRange, ResourceQuota, ComponentStatus and the object reference
 * types. Field names and protobuf numbers follow k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, listOf, mergeBy, objectMetaField, p, r } from "./spec-builders.ts";

const core = (kind: string) => ({ group: "", version: "v1", kind });

const QUOTA_SCOPES = [
  "Terminating",
  "NotTerminating",
  "BestEffort",
  "NotBestEffort",
  "PriorityClass",
  "CrossNamespacePodAffinity",
];

export const coreV1MiscTypes: Record<string, TypeSpec> = {
  Namespace: {
    description: "A scope for names; most objects live in one.",
    gvk: [core("Namespace")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "NamespaceSpec", "Desired behaviour of the namespace."),
      status: f(3, "NamespaceStatus", "Observed state of the namespace."),
    },
  },
  NamespaceList: listOf("Namespace", core("NamespaceList")),
  NamespaceSpec: {
    description: "Desired behaviour of a namespace.",
    fields: {
      finalizers: f(
        1,
        "[]string",
        "Tokens that must clear before the namespace is removed.",
        ATOMIC,
      ),
    },
  },
  NamespaceStatus: {
    description: "Observed state of a namespace.",
    fields: {
      phase: f(1, "string", "Active or Terminating.", { enum: ["Active", "Terminating"] }),
      conditions: f(2, "[]NamespaceCondition", "Current conditions.", mergeBy("type")),
    },
  },
  NamespaceCondition: {
    description: "One condition of a namespace.",
    fields: {
      type: r(1, "string", "Condition type."),
      status: r(2, "string", "True, False or Unknown."),
      lastTransitionTime: f(4, "Time", "When the status last changed."),
      reason: f(5, "string", "CamelCase cause of the last change."),
      message: f(6, "string", "Details of the last change."),
    },
  },
  ConfigMap: {
    description: "Non-confidential configuration data for pods.",
    gvk: [core("ConfigMap")],
    fields: {
      metadata: objectMetaField(),
      immutable: p(4, "bool", "When true, data cannot change."),
      data: f(2, "map[string]", "UTF-8 configuration values by key."),
      binaryData: f(3, "map[bytes]", "Binary values by key, base64 in JSON."),
    },
  },
  ConfigMapList: listOf("ConfigMap", core("ConfigMapList")),
  Secret: {
    description: "Confidential data such as passwords, tokens or keys.",
    gvk: [core("Secret")],
    fields: {
      metadata: objectMetaField(),
      immutable: p(5, "bool", "When true, data cannot change."),
      data: f(2, "map[bytes]", "Secret values by key, base64 in JSON."),
      stringData: f(4, "map[string]", "Write-only plain-text values merged into data."),
      type: f(3, "string", "Kind of secret, e.g. Opaque or kubernetes.io/tls."),
    },
  },
  SecretList: listOf("Secret", core("SecretList")),
  Event: {
    description: "A report of something that happened to an object.",
    gvk: [core("Event")],
    fields: {
      metadata: r(
        1,
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "Standard object metadata.",
      ),
      involvedObject: r(2, "ObjectReference", "Object the event is about."),
      reason: f(3, "string", "Short machine-readable reason."),
      message: f(4, "string", "Human-readable description."),
      source: f(5, "EventSource", "Component that reported the event."),
      firstTimestamp: f(6, "Time", "When the event was first recorded."),
      lastTimestamp: f(7, "Time", "When the event was last recorded."),
      count: f(8, "int32", "Times the event occurred."),
      type: f(9, "string", "Normal or Warning."),
      eventTime: f(10, "MicroTime", "When the event was first observed."),
      series: p(11, "EventSeries", "Data about a series of repeated events."),
      action: f(12, "string", "Action taken or failed."),
      related: p(13, "ObjectReference", "Secondary object of the event."),
      reportingComponent: p(14, "string", "Controller that emitted the event."),
      reportingInstance: p(15, "string", "Instance of that controller."),
    },
  },
  EventList: listOf("Event", core("EventList")),
  EventSource: {
    description: "The reporter of an event.",
    fields: {
      component: f(1, "string", "Reporting component."),
      host: f(2, "string", "Node of the reporter."),
    },
  },
  EventSeries: {
    description: "A series of repeated events.",
    fields: {
      count: f(1, "int32", "Occurrences so far."),
      lastObservedTime: f(2, "MicroTime", "Time of the last occurrence."),
    },
  },
  LimitRange: {
    description: "Per-object resource limits and defaults in a namespace.",
    gvk: [core("LimitRange")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "LimitRangeSpec", "Limits enforced."),
    },
  },
  LimitRangeList: listOf("LimitRange", core("LimitRangeList")),
  LimitRangeSpec: {
    description: "Limits enforced by a LimitRange.",
    fields: { limits: r(1, "[]LimitRangeItem", "One entry per kind of object.", ATOMIC) },
  },
  LimitRangeItem: {
    description: "Limits and defaults for one kind of object.",
    fields: {
      type: r(1, "string", "Pod, Container, PersistentVolumeClaim or a resource name."),
      max: f(2, "map[Quantity]", "Maximum per resource."),
      min: f(3, "map[Quantity]", "Minimum per resource."),
      default: f(4, "map[Quantity]", "Default limit per resource."),
      defaultRequest: f(5, "map[Quantity]", "Default request per resource."),
      maxLimitRequestRatio: f(6, "map[Quantity]", "Maximum limit/request ratio per resource."),
    },
  },
  ResourceQuota: {
    description: "Aggregate resource limits for a namespace.",
    gvk: [core("ResourceQuota")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "ResourceQuotaSpec", "Desired limits."),
      status: f(3, "ResourceQuotaStatus", "Enforced limits and current usage."),
    },
  },
  ResourceQuotaList: listOf("ResourceQuota", core("ResourceQuotaList")),
  ResourceQuotaSpec: {
    description: "Desired hard limits of a quota.",
    fields: {
      hard: f(1, "map[Quantity]", "Hard limit per resource."),
      scopes: f(2, "[]string", "Filters objects must match to be counted.", {
        ...ATOMIC,
        enum: QUOTA_SCOPES,
      }),
      scopeSelector: p(3, "ScopeSelector", "Scope filters as expressions."),
    },
  },
  ResourceQuotaStatus: {
    description: "Enforced limits and usage of a quota.",
    fields: {
      hard: f(1, "map[Quantity]", "Enforced hard limits."),
      used: f(2, "map[Quantity]", "Current usage."),
    },
  },
  ScopeSelector: {
    description: "Quota scope expressions, ANDed.",
    fields: {
      matchExpressions: f(1, "[]ScopedResourceSelectorRequirement", "Scope requirements.", ATOMIC),
    },
  },
  ScopedResourceSelectorRequirement: {
    description: "A scope name, an operator and values.",
    fields: {
      scopeName: r(1, "string", "Scope the requirement applies to.", { enum: QUOTA_SCOPES }),
      operator: r(2, "string", "How the scope relates to the values.", {
        enum: ["In", "NotIn", "Exists", "DoesNotExist"],
      }),
      values: f(3, "[]string", "Values for In/NotIn.", ATOMIC),
    },
  },
  ComponentStatus: {
    description: "Deprecated: health of a control plane component.",
    gvk: [core("ComponentStatus")],
    fields: {
      metadata: objectMetaField(),
      conditions: f(2, "[]ComponentCondition", "Observed conditions.", mergeBy("type")),
    },
  },
  ComponentStatusList: listOf("ComponentStatus", core("ComponentStatusList")),
  ComponentCondition: {
    description: "One condition of a component.",
    fields: {
      type: r(1, "string", "Condition type; Healthy."),
      status: r(2, "string", "True, False or Unknown."),
      message: f(3, "string", "Details, e.g. of a health check."),
      error: f(4, "string", "Error code of the check."),
    },
  },
  ObjectReference: {
    description: "A reference to an object, possibly to a part of it.",
    fields: {
      kind: f(1, "string", "Kind of the object."),
      namespace: f(2, "string", "Namespace of the object."),
      name: f(3, "string", "Name of the object."),
      uid: f(4, "string", "UID of the object."),
      apiVersion: f(5, "string", "API version of the object."),
      resourceVersion: f(6, "string", "Specific resourceVersion referred to."),
      fieldPath: f(7, "string", "Part of the object, e.g. spec.containers{name}."),
    },
  },
  LocalObjectReference: {
    description: "A reference to an object by name in the same namespace.",
    fields: { name: f(1, "string", "Name of the object.") },
  },
};

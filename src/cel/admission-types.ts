/**
 * Static types of the admission CEL variables upstream declares with a
 * fixed shape (BuildRequestType, BuildNamespaceType): `request` and
 * `namespaceObject`, as TypeSchemas for the checker (`request.options` is
 * upstream's AnyType). `object`, `oldObject`, `params` and `variables` are
 * typed elsewhere or stay dyn.
 */
import type { TypeSchema } from "./types.ts";

const str: TypeSchema = { type: "string" };
const strings: TypeSchema = { type: "array", items: str };
const obj = (celTypeName: string, properties: Record<string, TypeSchema>): TypeSchema => ({
  type: "object",
  celTypeName,
  properties,
});
const gvk = obj("kubernetes.GroupVersionKind", { group: str, version: str, kind: str });
const gvr = obj("kubernetes.GroupVersionResource", { group: str, version: str, resource: str });
const time: TypeSchema = { type: "string", format: "date-time" };

/** `request` (an AdmissionRequest without uid, object and oldObject). */
export const REQUEST_TYPE: TypeSchema = obj("kubernetes.AdmissionRequest", {
  kind: gvk,
  resource: gvr,
  subResource: str,
  requestKind: gvk,
  requestResource: gvr,
  requestSubResource: str,
  name: str,
  namespace: str,
  operation: str,
  userInfo: obj("kubernetes.UserInfo", {
    username: str,
    uid: str,
    groups: strings,
    extra: { type: "object", additionalProperties: strings },
  }),
  dryRun: { type: "boolean" },
  options: { celAny: true },
});

/** `namespaceObject` (a Namespace without managedFields, ownerReferences...). */
export const NAMESPACE_TYPE: TypeSchema = obj("kubernetes.Namespace", {
  metadata: obj("kubernetes.NamespaceMetadata", {
    name: str,
    generateName: str,
    namespace: str,
    labels: { type: "object", additionalProperties: str },
    annotations: { type: "object", additionalProperties: str },
    UID: str,
    creationTimestamp: time,
    deletionGracePeriodSeconds: { type: "integer" },
    deletionTimestamp: time,
    generation: { type: "integer" },
    resourceVersion: str,
    finalizers: strings,
  }),
  spec: obj("kubernetes.NamespaceSpec", { finalizers: strings }),
  status: obj("kubernetes.NamespaceStatus", {
    conditions: {
      type: "array",
      items: obj("kubernetes.NamespaceCondition", {
        status: str,
        type: str,
        lastTransitionTime: time,
        message: str,
        reason: str,
      }),
    },
    phase: str,
  }),
});

/**
 * apiextensions.k8s.io/v1: CustomResourceDefinition and JSONSchemaProps.
 * Field names and protobuf numbers follow k8s.io/apiextensions-apiserver as
 * served by Kubernetes v1.32. Values that are JSON or "schema or bool" are
 * typed JSON.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  CustomResourceDefinition:
    "Declares a new resource type served by the API server; its name is <plural>.<group>.",
  "CustomResourceDefinition.metadata": "Standard object metadata.",
  "CustomResourceDefinition.spec": "How the resource is named, scoped, versioned and validated.",
  "CustomResourceDefinition.status": "Accepted names, conditions and stored versions.",
  CustomResourceDefinitionList: "A list of CustomResourceDefinitions.",
  "CustomResourceDefinitionList.items": "The CustomResourceDefinitions.",
  "CustomResourceDefinitionList.metadata": "Standard list metadata.",
  CustomResourceDefinitionSpec: "The desired shape of a custom resource type.",
  "CustomResourceDefinitionSpec.group":
    "API group the resources are served under (/apis/<group>/...).",
  "CustomResourceDefinitionSpec.names": "Plural, singular, kind, short names and categories.",
  "CustomResourceDefinitionSpec.scope": "Namespaced or Cluster.",
  "CustomResourceDefinitionSpec.versions":
    "Every version of the resource; exactly one is the storage version.",
  "CustomResourceDefinitionSpec.conversion": "How objects are converted between versions.",
  "CustomResourceDefinitionSpec.preserveUnknownFields": "Deprecated; must be false.",
  CustomResourceDefinitionNames: "Names the resource is served under.",
  "CustomResourceDefinitionNames.plural": "Lowercase plural name, used in URLs.",
  "CustomResourceDefinitionNames.singular":
    "Lowercase singular name; defaults to the lowercased kind.",
  "CustomResourceDefinitionNames.shortNames": "Short aliases for kubectl.",
  "CustomResourceDefinitionNames.kind": "The kind of the objects, in CamelCase.",
  "CustomResourceDefinitionNames.listKind": "The kind of lists; defaults to <kind>List.",
  "CustomResourceDefinitionNames.categories": "Groups of resources this one belongs to (e.g. all).",
  CustomResourceDefinitionVersion: "One version of a custom resource.",
  "CustomResourceDefinitionVersion.name": "Version name, e.g. v1 or v2beta1.",
  "CustomResourceDefinitionVersion.served": "Whether the version is served.",
  "CustomResourceDefinitionVersion.storage": "Whether objects are stored in this version.",
  "CustomResourceDefinitionVersion.deprecated":
    "Requests to this version get a deprecation warning.",
  "CustomResourceDefinitionVersion.deprecationWarning":
    "Overrides the default deprecation warning.",
  "CustomResourceDefinitionVersion.schema": "Schema for validation, pruning and defaulting.",
  "CustomResourceDefinitionVersion.subresources": "Status and scale subresources.",
  "CustomResourceDefinitionVersion.additionalPrinterColumns": "Extra columns of Table output.",
  "CustomResourceDefinitionVersion.selectableFields": "Fields usable in field selectors.",
  SelectableField: "A field usable in field selectors.",
  "SelectableField.jsonPath": "JSON path of the field, e.g. .spec.color.",
  CustomResourceColumnDefinition: "A column of Table output.",
  "CustomResourceColumnDefinition.name": "Column title.",
  "CustomResourceColumnDefinition.type": "OpenAPI type: integer, number, string, boolean or date.",
  "CustomResourceColumnDefinition.format": "OpenAPI format of the column.",
  "CustomResourceColumnDefinition.description": "What the column shows.",
  "CustomResourceColumnDefinition.priority": "0: always shown; higher: only in wide output.",
  "CustomResourceColumnDefinition.jsonPath": "JSON path of the value shown.",
  CustomResourceConversion: "How objects are converted between versions.",
  "CustomResourceConversion.strategy": "None (apiVersion rewrite) or Webhook.",
  "CustomResourceConversion.webhook": "The conversion webhook, for strategy Webhook.",
  WebhookConversion: "A conversion webhook.",
  "WebhookConversion.clientConfig": "How to reach the webhook.",
  "WebhookConversion.conversionReviewVersions": "ConversionReview versions the webhook accepts.",
  WebhookClientConfig: "A URL or a service to call.",
  "WebhookClientConfig.url": "Webhook URL (https).",
  "WebhookClientConfig.service": "Service in front of the webhook.",
  "WebhookClientConfig.caBundle": "PEM CA bundle that verifies the webhook's certificate.",
  ServiceReference: "A service reference.",
  "ServiceReference.namespace": "Namespace of the service.",
  "ServiceReference.name": "Name of the service.",
  "ServiceReference.path": "URL path sent to the service.",
  "ServiceReference.port": "Port of the service; defaults to 443.",
  CustomResourceValidation: "Validation schema of a version.",
  "CustomResourceValidation.openAPIV3Schema": "The structural OpenAPI v3 schema.",
  CustomResourceSubresources: "Subresources of a version.",
  "CustomResourceSubresources.status": "Serve /status; the main resource ignores status changes.",
  "CustomResourceSubresources.scale": "Serve /scale (autoscaling/v1 Scale).",
  CustomResourceSubresourceStatus: "Enables the status subresource.",
  CustomResourceSubresourceScale: "Paths of the scale subresource's values.",
  "CustomResourceSubresourceScale.specReplicasPath":
    "JSON path of the desired replicas, under .spec.",
  "CustomResourceSubresourceScale.statusReplicasPath":
    "JSON path of the observed replicas, under .status.",
  "CustomResourceSubresourceScale.labelSelectorPath": "JSON path of the serialized label selector.",
  CustomResourceDefinitionStatus: "Observed state of a CustomResourceDefinition.",
  "CustomResourceDefinitionStatus.conditions":
    "Established, NamesAccepted and Terminating conditions.",
  "CustomResourceDefinitionStatus.acceptedNames": "Names actually served.",
  "CustomResourceDefinitionStatus.storedVersions": "Versions objects were ever stored in.",
  CustomResourceDefinitionCondition: "One condition of a CustomResourceDefinition.",
  "CustomResourceDefinitionCondition.type": "Established, NamesAccepted or Terminating.",
  "CustomResourceDefinitionCondition.status": "True, False or Unknown.",
  "CustomResourceDefinitionCondition.lastTransitionTime": "When the status last changed.",
  "CustomResourceDefinitionCondition.reason": "One-word reason of the last transition.",
  "CustomResourceDefinitionCondition.message": "Human-readable details.",
  JSONSchemaProps: "A JSON schema (OpenAPI v3 subset) node.",
  ValidationRule: "A CEL validation rule.",
  "ValidationRule.rule": "CEL expression; self is the value at the rule's place in the schema.",
  "ValidationRule.message": "Message shown when the rule fails.",
  "ValidationRule.messageExpression": "CEL expression giving the failure message.",
  "ValidationRule.reason": "Reason reported when the rule fails.",
  "ValidationRule.fieldPath": "Field the failure is reported on, relative to the rule's place.",
  "ValidationRule.optionalOldSelf": "Run the transition rule also when there is no old value.",
  ExternalDocumentation: "A link to further documentation.",
};

const jsonSchemaProps = {
  id: [1, "string"],
  $schema: [2, "string"],
  $ref: [3, "string"],
  description: [4, "string"],
  type: [5, "string"],
  format: [6, "string"],
  title: [7, "string"],
  default: [8, "JSON"],
  maximum: [9, "double", { pointer: true }],
  exclusiveMaximum: [10, "bool"],
  minimum: [11, "double", { pointer: true }],
  exclusiveMinimum: [12, "bool"],
  maxLength: [13, "int64", { pointer: true }],
  minLength: [14, "int64", { pointer: true }],
  pattern: [15, "string"],
  maxItems: [16, "int64", { pointer: true }],
  minItems: [17, "int64", { pointer: true }],
  uniqueItems: [18, "bool"],
  multipleOf: [19, "double", { pointer: true }],
  enum: [20, "[]JSON"],
  maxProperties: [21, "int64", { pointer: true }],
  minProperties: [22, "int64", { pointer: true }],
  required: [23, "[]string"],
  items: [24, "JSON", { union: "JSONSchemaPropsOrArray" }],
  allOf: [25, "[]JSONSchemaProps"],
  oneOf: [26, "[]JSONSchemaProps"],
  anyOf: [27, "[]JSONSchemaProps"],
  not: [28, "JSONSchemaProps"],
  properties: [29, "map[JSONSchemaProps]"],
  additionalProperties: [30, "JSON", { union: "JSONSchemaPropsOrBool" }],
  patternProperties: [31, "map[JSONSchemaProps]"],
  dependencies: [32, "map[JSON]", { union: "JSONSchemaPropsOrStringArray" }],
  additionalItems: [33, "JSON", { union: "JSONSchemaPropsOrBool" }],
  definitions: [34, "map[JSONSchemaProps]"],
  externalDocs: [35, "ExternalDocumentation"],
  example: [36, "JSON"],
  nullable: [37, "bool"],
  "x-kubernetes-preserve-unknown-fields": [38, "bool", { pointer: true }],
  "x-kubernetes-embedded-resource": [39, "bool"],
  "x-kubernetes-int-or-string": [40, "bool"],
  "x-kubernetes-list-map-keys": [41, "[]string", { listType: "atomic" }],
  "x-kubernetes-list-type": [42, "string", { pointer: true }],
  "x-kubernetes-map-type": [43, "string", { pointer: true }],
  "x-kubernetes-validations": [
    44,
    "[]ValidationRule",
    { patchStrategy: "merge", patchMergeKey: "rule", listType: "map", listMapKeys: ["rule"] },
  ],
} as const;

export const apiextensionsV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
    types: {
      CustomResourceDefinition: {
        gvk: [{ group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "CustomResourceDefinitionSpec", { required: true }],
          status: [3, "CustomResourceDefinitionStatus"],
        },
      },
      CustomResourceDefinitionList: {
        gvk: [
          { group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinitionList" },
        ],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]CustomResourceDefinition", { required: true }],
        },
      },
      CustomResourceDefinitionSpec: {
        fields: {
          group: [1, "string", { required: true }],
          names: [3, "CustomResourceDefinitionNames", { required: true }],
          scope: [4, "string", { required: true }],
          versions: [
            7,
            "[]CustomResourceDefinitionVersion",
            { required: true, listType: "atomic" },
          ],
          conversion: [9, "CustomResourceConversion"],
          preserveUnknownFields: [10, "bool"],
        },
      },
      CustomResourceDefinitionNames: {
        fields: {
          plural: [1, "string", { required: true }],
          singular: [2, "string"],
          shortNames: [3, "[]string", { listType: "atomic" }],
          kind: [4, "string", { required: true }],
          listKind: [5, "string"],
          categories: [6, "[]string", { listType: "atomic" }],
        },
      },
      CustomResourceDefinitionVersion: {
        fields: {
          name: [1, "string", { required: true }],
          served: [2, "bool", { required: true }],
          storage: [3, "bool", { required: true }],
          schema: [4, "CustomResourceValidation"],
          subresources: [5, "CustomResourceSubresources"],
          additionalPrinterColumns: [6, "[]CustomResourceColumnDefinition", { listType: "atomic" }],
          deprecated: [7, "bool"],
          deprecationWarning: [8, "string", { pointer: true }],
          selectableFields: [9, "[]SelectableField", { listType: "atomic" }],
        },
      },
      SelectableField: { fields: { jsonPath: [1, "string", { required: true }] } },
      CustomResourceColumnDefinition: {
        fields: {
          name: [1, "string", { required: true }],
          type: [2, "string", { required: true }],
          format: [3, "string"],
          description: [4, "string"],
          priority: [5, "int32"],
          jsonPath: [6, "string", { required: true }],
        },
      },
      CustomResourceConversion: {
        fields: {
          strategy: [1, "string", { required: true }],
          webhook: [2, "WebhookConversion"],
        },
      },
      WebhookConversion: {
        fields: {
          clientConfig: [2, "WebhookClientConfig"],
          conversionReviewVersions: [3, "[]string", { required: true, listType: "atomic" }],
        },
      },
      WebhookClientConfig: {
        fields: {
          service: [1, "ServiceReference"],
          caBundle: [2, "bytes"],
          url: [3, "string", { pointer: true }],
        },
      },
      ServiceReference: {
        fields: {
          namespace: [1, "string", { required: true }],
          name: [2, "string", { required: true }],
          path: [3, "string", { pointer: true }],
          port: [4, "int32", { pointer: true }],
        },
      },
      CustomResourceValidation: { fields: { openAPIV3Schema: [1, "JSONSchemaProps"] } },
      CustomResourceSubresources: {
        fields: {
          status: [1, "CustomResourceSubresourceStatus"],
          scale: [2, "CustomResourceSubresourceScale"],
        },
      },
      CustomResourceSubresourceStatus: { fields: {} },
      CustomResourceSubresourceScale: {
        fields: {
          specReplicasPath: [1, "string", { required: true }],
          statusReplicasPath: [2, "string", { required: true }],
          labelSelectorPath: [3, "string", { pointer: true }],
        },
      },
      CustomResourceDefinitionStatus: {
        fields: {
          conditions: [
            1,
            "[]CustomResourceDefinitionCondition",
            { listType: "map", listMapKeys: ["type"] },
          ],
          acceptedNames: [2, "CustomResourceDefinitionNames"],
          storedVersions: [3, "[]string", { listType: "atomic" }],
        },
      },
      CustomResourceDefinitionCondition: {
        fields: {
          type: [1, "string", { required: true }],
          status: [2, "string", { required: true }],
          lastTransitionTime: [3, "Time"],
          reason: [4, "string"],
          message: [5, "string"],
        },
      },
      JSONSchemaProps: { fields: structuredClone(jsonSchemaProps) as never },
      ValidationRule: {
        fields: {
          rule: [1, "string", { required: true }],
          message: [2, "string"],
          messageExpression: [3, "string"],
          reason: [4, "string", { pointer: true }],
          fieldPath: [5, "string"],
          optionalOldSelf: [6, "bool", { pointer: true }],
        },
      },
      ExternalDocumentation: { fields: { description: [1, "string"], url: [2, "string"] } },
    },
  },
  docs,
);

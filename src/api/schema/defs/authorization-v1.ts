/**
 * authorization.k8s.io/v1: access reviews.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  FieldSelectorAttributes: "A field selector limiting the access checked.",
  "FieldSelectorAttributes.rawSelector": "The selector as written in a query.",
  "FieldSelectorAttributes.requirements": "The parsed selector.",
  FieldSelectorRequirement: "One field selector term.",
  "FieldSelectorRequirement.key": "Field the term applies to.",
  "FieldSelectorRequirement.operator": "In, NotIn, Exists or DoesNotExist.",
  "FieldSelectorRequirement.values": "Values for In and NotIn.",
  LabelSelectorAttributes: "A label selector limiting the access checked.",
  "LabelSelectorAttributes.rawSelector": "The selector as written in a query.",
  "LabelSelectorAttributes.requirements": "The parsed selector.",
  LocalSubjectAccessReview:
    "Checks whether a user may perform an action in the request's namespace.",
  "LocalSubjectAccessReview.metadata": "Standard object metadata.",
  "LocalSubjectAccessReview.spec": "The access to check; namespace must match the request.",
  "LocalSubjectAccessReview.status": "The decision, filled in by the server.",
  NonResourceAttributes: "A request for a non-resource URL.",
  "NonResourceAttributes.path": "URL path.",
  "NonResourceAttributes.verb": "HTTP verb, lower case.",
  NonResourceRule: "Verbs allowed on some non-resource URLs.",
  "NonResourceRule.verbs": "Allowed verbs; * means all.",
  "NonResourceRule.nonResourceURLs": "URL paths; a trailing * matches a prefix.",
  ResourceAttributes: "A request on an API resource.",
  "ResourceAttributes.namespace": "Namespace of the request; empty means all (or cluster-scoped).",
  "ResourceAttributes.verb": "API verb such as get, list or create.",
  "ResourceAttributes.group": "API group of the resource.",
  "ResourceAttributes.version": "API version of the resource.",
  "ResourceAttributes.resource": "Resource name, e.g. pods.",
  "ResourceAttributes.subresource": "Subresource, e.g. log.",
  "ResourceAttributes.name": "Object name; empty means all.",
  "ResourceAttributes.fieldSelector": "Field selector limiting the request.",
  "ResourceAttributes.labelSelector": "Label selector limiting the request.",
  ResourceRule: "Verbs allowed on some resources.",
  "ResourceRule.verbs": "Allowed verbs; * means all.",
  "ResourceRule.apiGroups": "API groups of the resources.",
  "ResourceRule.resources": "Resources covered; * means all.",
  "ResourceRule.resourceNames": "Object names; empty means all.",
  SelfSubjectAccessReview: "Checks whether the caller may perform an action.",
  "SelfSubjectAccessReview.metadata": "Standard object metadata.",
  "SelfSubjectAccessReview.spec": "The access to check.",
  "SelfSubjectAccessReview.status": "The decision, filled in by the server.",
  SelfSubjectAccessReviewSpec: "The caller's access to check; set exactly one attribute set.",
  "SelfSubjectAccessReviewSpec.resourceAttributes": "A resource request.",
  "SelfSubjectAccessReviewSpec.nonResourceAttributes": "A non-resource request.",
  SelfSubjectRulesReview: "Lists what the caller may do in a namespace.",
  "SelfSubjectRulesReview.metadata": "Standard object metadata.",
  "SelfSubjectRulesReview.spec": "The namespace to evaluate.",
  "SelfSubjectRulesReview.status": "The rules, filled in by the server.",
  SelfSubjectRulesReviewSpec: "Namespace whose rules are listed.",
  "SelfSubjectRulesReviewSpec.namespace": "Namespace to evaluate.",
  SubjectAccessReview: "Checks whether a user or group may perform an action.",
  "SubjectAccessReview.metadata": "Standard object metadata.",
  "SubjectAccessReview.spec": "The access to check.",
  "SubjectAccessReview.status": "The decision, filled in by the server.",
  SubjectAccessReviewSpec: "Whose access to what; set exactly one attribute set.",
  "SubjectAccessReviewSpec.resourceAttributes": "A resource request.",
  "SubjectAccessReviewSpec.nonResourceAttributes": "A non-resource request.",
  "SubjectAccessReviewSpec.user": "User to check.",
  "SubjectAccessReviewSpec.groups": "Groups to check.",
  "SubjectAccessReviewSpec.extra": "Extra user attributes.",
  "SubjectAccessReviewSpec.uid": "UID of the user.",
  SubjectAccessReviewStatus: "An authorization decision.",
  "SubjectAccessReviewStatus.allowed": "Whether the action is allowed.",
  "SubjectAccessReviewStatus.denied": "Whether the action is explicitly denied.",
  "SubjectAccessReviewStatus.reason": "Why the decision was made.",
  "SubjectAccessReviewStatus.evaluationError": "Error met while deciding, if any.",
  SubjectRulesReviewStatus: "Rules a subject is granted in a namespace; may be incomplete.",
  "SubjectRulesReviewStatus.resourceRules": "Rules on resources.",
  "SubjectRulesReviewStatus.nonResourceRules": "Rules on non-resource URLs.",
  "SubjectRulesReviewStatus.incomplete": "True when the list may be missing rules.",
  "SubjectRulesReviewStatus.evaluationError": "Error met while listing, if any.",
};

export const authorizationV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.authorization.v1",
    types: {
      FieldSelectorAttributes: {
        fields: {
          rawSelector: [1, "string"],
          requirements: [2, "[]FieldSelectorRequirement", { listType: "atomic" }],
        },
      },
      FieldSelectorRequirement: {
        fields: {
          key: [1, "string", { required: true, pointer: true }],
          operator: [2, "string", { required: true, pointer: true }],
          values: [3, "[]string", { listType: "atomic" }],
        },
      },
      LabelSelectorAttributes: {
        fields: {
          rawSelector: [1, "string"],
          requirements: [2, `[]${META}.LabelSelectorRequirement`, { listType: "atomic" }],
        },
      },
      LocalSubjectAccessReview: {
        gvk: [{ group: "authorization.k8s.io", version: "v1", kind: "LocalSubjectAccessReview" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "SubjectAccessReviewSpec", { required: true }],
          status: [3, "SubjectAccessReviewStatus"],
        },
      },
      NonResourceAttributes: {
        fields: {
          path: [1, "string"],
          verb: [2, "string"],
        },
      },
      NonResourceRule: {
        fields: {
          verbs: [1, "[]string", { required: true, listType: "atomic" }],
          nonResourceURLs: [2, "[]string", { listType: "atomic" }],
        },
      },
      ResourceAttributes: {
        fields: {
          namespace: [1, "string"],
          verb: [2, "string"],
          group: [3, "string"],
          version: [4, "string"],
          resource: [5, "string"],
          subresource: [6, "string"],
          name: [7, "string"],
          fieldSelector: [8, "FieldSelectorAttributes"],
          labelSelector: [9, "LabelSelectorAttributes"],
        },
      },
      ResourceRule: {
        fields: {
          verbs: [1, "[]string", { required: true, listType: "atomic" }],
          apiGroups: [2, "[]string", { listType: "atomic" }],
          resources: [3, "[]string", { listType: "atomic" }],
          resourceNames: [4, "[]string", { listType: "atomic" }],
        },
      },
      SelfSubjectAccessReview: {
        gvk: [{ group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "SelfSubjectAccessReviewSpec", { required: true }],
          status: [3, "SubjectAccessReviewStatus"],
        },
      },
      SelfSubjectAccessReviewSpec: {
        fields: {
          resourceAttributes: [1, "ResourceAttributes"],
          nonResourceAttributes: [2, "NonResourceAttributes"],
        },
      },
      SelfSubjectRulesReview: {
        gvk: [{ group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectRulesReview" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "SelfSubjectRulesReviewSpec", { required: true }],
          status: [3, "SubjectRulesReviewStatus"],
        },
      },
      SelfSubjectRulesReviewSpec: {
        fields: {
          namespace: [1, "string"],
        },
      },
      SubjectAccessReview: {
        gvk: [{ group: "authorization.k8s.io", version: "v1", kind: "SubjectAccessReview" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "SubjectAccessReviewSpec", { required: true }],
          status: [3, "SubjectAccessReviewStatus"],
        },
      },
      SubjectAccessReviewSpec: {
        fields: {
          resourceAttributes: [1, "ResourceAttributes"],
          nonResourceAttributes: [2, "NonResourceAttributes"],
          user: [3, "string"],
          groups: [4, "[]string", { listType: "atomic" }],
          extra: [5, "map[[]string]", { wrapped: true }],
          uid: [6, "string"],
        },
      },
      SubjectAccessReviewStatus: {
        fields: {
          allowed: [1, "bool", { required: true, pointer: true }],
          denied: [4, "bool"],
          reason: [2, "string"],
          evaluationError: [3, "string"],
        },
      },
      SubjectRulesReviewStatus: {
        fields: {
          resourceRules: [1, "[]ResourceRule", { required: true, listType: "atomic" }],
          nonResourceRules: [2, "[]NonResourceRule", { required: true, listType: "atomic" }],
          incomplete: [3, "bool", { required: true, pointer: true }],
          evaluationError: [4, "string"],
        },
      },
    },
  },
  docs,
);

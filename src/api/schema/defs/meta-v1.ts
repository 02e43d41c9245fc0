/**
 * meta/v1 (io.k8s.apimachinery.pkg.apis.meta.v1) and runtime
 * (io.k8s.apimachinery.pkg.runtime) types: object and list metadata, label
 * selectors, Status, option kinds and discovery documents. Field names and
 * protobuf numbers follow k8s.io/apimachinery as served by Kubernetes v1.32.
 *
 * Time, MicroTime, Duration, FieldsV1 (as "JSON") and RawExtension are special
 * types of the schema table, not declared here.
 */
import type { SchemaPackage, TypeSpec } from "../types.ts";
import { ATOMIC, f, META, mergeBy, p, r, SET } from "./spec-builders.ts";

const dryRun = f(1, "[]string", "Set to All to run every stage without persisting.", ATOMIC);

/** Fields shared by ListOptions-like kinds carrying fieldManager/fieldValidation. */
function writeOptions(description: string, extra: TypeSpec["fields"]): TypeSpec {
  return { description, fields: { dryRun, ...extra } };
}

const fieldValidation = (num: number) =>
  f(num, "string", "How unknown or duplicate fields are handled.", {
    enum: ["Ignore", "Warn", "Strict"],
  });

export const metaV1: SchemaPackage = {
  name: META,
  types: {
    ObjectMeta: {
      description: "Metadata every persisted object carries.",
      fields: {
        name: f(1, "string", "Unique name within the namespace; immutable."),
        generateName: f(
          2,
          "string",
          "Prefix from which the server generates a name when none is given.",
        ),
        namespace: f(3, "string", "Namespace holding the object; empty for cluster-scoped kinds."),
        selfLink: f(4, "string", "Legacy field, no longer set."),
        uid: f(5, "string", "Server-assigned identity, unique across time."),
        resourceVersion: f(
          6,
          "string",
          "Opaque version used for optimistic concurrency and watches.",
        ),
        generation: f(7, "int64", "Sequence number of the desired state; set by the server."),
        creationTimestamp: f(8, "Time", "When the object was created (server-set, UTC)."),
        deletionTimestamp: p(9, "Time", "When graceful deletion was requested to finish."),
        deletionGracePeriodSeconds: p(
          10,
          "int64",
          "Grace period granted for the pending deletion.",
        ),
        labels: f(11, "map[string]", "Key/value pairs used to select and group objects."),
        annotations: f(12, "map[string]", "Arbitrary non-identifying metadata for tools."),
        ownerReferences: f(
          13,
          "[]OwnerReference",
          "Objects this one depends on; drives garbage collection.",
          mergeBy("uid"),
        ),
        finalizers: f(14, "[]string", "Tokens that must be removed before the object is deleted.", {
          patchStrategy: "merge",
          ...SET,
        }),
        managedFields: f(
          17,
          "[]ManagedFieldsEntry",
          "Field ownership recorded by server-side apply.",
          ATOMIC,
        ),
      },
    },
    ListMeta: {
      description: "Metadata of list responses.",
      fields: {
        selfLink: f(1, "string", "Legacy field, no longer set."),
        resourceVersion: f(2, "string", "Storage version the list was read at."),
        continue: f(3, "string", "Token for fetching the next chunk of a paginated list."),
        remainingItemCount: p(4, "int64", "Estimated count of items not yet returned."),
      },
    },
    OwnerReference: {
      description: "Identifies an owning object in the same namespace or cluster scope.",
      fields: {
        apiVersion: r(5, "string", "API version of the owner."),
        kind: r(1, "string", "Kind of the owner."),
        name: r(3, "string", "Name of the owner."),
        uid: r(4, "string", "UID of the owner."),
        controller: p(6, "bool", "Whether the owner is the managing controller."),
        blockOwnerDeletion: p(
          7,
          "bool",
          "Whether foreground deletion of the owner waits for this object.",
        ),
      },
    },
    ManagedFieldsEntry: {
      description: "The set of fields one manager owns, for one API version.",
      fields: {
        manager: f(1, "string", "Name of the managing workflow."),
        operation: f(2, "string", "Operation that produced the entry.", {
          enum: ["Apply", "Update"],
        }),
        apiVersion: f(3, "string", "Version the field set is expressed in."),
        time: p(4, "Time", "When the entry last changed."),
        fieldsType: f(6, "string", "Format of fieldsV1; always FieldsV1."),
        fieldsV1: p(7, "JSON", "The owned fields, as a trie of f:/k:/v:/i: keys."),
        subresource: f(8, "string", "Subresource the update went through, if any."),
      },
    },
    LabelSelector: {
      description: "A label query; matchLabels and matchExpressions are ANDed.",
      fields: {
        matchLabels: f(1, "map[string]", "Labels that must all be present with these values."),
        matchExpressions: f(2, "[]LabelSelectorRequirement", "Set-based requirements.", ATOMIC),
      },
    },
    LabelSelectorRequirement: {
      description: "A key, an operator and values, for set-based label matching.",
      fields: {
        key: r(1, "string", "Label key the requirement tests.", {
          patchStrategy: "merge",
          patchMergeKey: "key",
        }),
        operator: r(2, "string", "How the key relates to the values.", {
          enum: ["In", "NotIn", "Exists", "DoesNotExist"],
        }),
        values: f(3, "[]string", "Values for In/NotIn; empty for Exists/DoesNotExist.", ATOMIC),
      },
    },
    FieldSelectorRequirement: {
      description: "A key, an operator and values, for field matching.",
      fields: {
        key: r(1, "string", "Field path the requirement tests."),
        operator: r(2, "string", "How the field relates to the values.", {
          enum: ["In", "NotIn", "Exists", "DoesNotExist"],
        }),
        values: f(3, "[]string", "Values for In/NotIn.", ATOMIC),
      },
    },
    Condition: {
      description: "One aspect of an object's observed state.",
      fields: {
        type: r(1, "string", "Condition type, CamelCase, optionally domain-prefixed."),
        status: r(2, "string", "True, False or Unknown.", { enum: ["True", "False", "Unknown"] }),
        observedGeneration: f(3, "int64", "metadata.generation the condition was computed from."),
        lastTransitionTime: r(4, "Time", "When the status last changed."),
        reason: r(5, "string", "CamelCase cause of the last transition."),
        message: r(6, "string", "Human-readable details."),
      },
    },
    Status: {
      description: "Outcome of a call that returns no other object, typically an error.",
      gvk: [{ group: "", version: "v1", kind: "Status" }],
      fields: {
        metadata: f(1, "ListMeta", "Standard list metadata."),
        status: f(2, "string", "Success or Failure.", { enum: ["Success", "Failure"] }),
        message: f(3, "string", "Human-readable description."),
        reason: f(4, "string", "Machine-readable reason for a failure."),
        details: p(5, "StatusDetails", "Extra data that depends on the reason.", {
          mapType: "atomic",
        }),
        code: f(6, "int32", "Suggested HTTP status code."),
      },
    },
    StatusDetails: {
      description: "Extra data about a Status, depending on its reason.",
      fields: {
        name: f(1, "string", "Name of the object concerned."),
        group: f(2, "string", "API group of the object concerned."),
        kind: f(3, "string", "Kind of the object concerned."),
        uid: f(6, "string", "UID of the object concerned."),
        causes: f(4, "[]StatusCause", "Individual causes of the failure.", ATOMIC),
        retryAfterSeconds: f(5, "int32", "Seconds to wait before retrying."),
      },
    },
    StatusCause: {
      description: "One cause of a failure.",
      fields: {
        reason: f(1, "string", "Machine-readable cause."),
        message: f(2, "string", "Human-readable cause."),
        field: f(3, "string", "JSON path of the offending field."),
      },
    },
    DeleteOptions: {
      description: "Options of a delete call.",
      gvk: [{ group: "", version: "v1", kind: "DeleteOptions" }],
      fields: {
        gracePeriodSeconds: p(1, "int64", "Seconds before the object is deleted; 0 means now."),
        preconditions: p(
          2,
          "Preconditions",
          "Conditions that must hold for the delete to proceed.",
        ),
        orphanDependents: p(3, "bool", "Deprecated: use propagationPolicy."),
        propagationPolicy: p(4, "string", "How dependents are garbage collected.", {
          enum: ["Orphan", "Background", "Foreground"],
        }),
        dryRun: f(5, "[]string", "Set to All to run every stage without persisting.", ATOMIC),
        ignoreStoreReadErrorWithClusterBreakingPotential: p(
          6,
          "bool",
          "Delete even when the stored object cannot be read (unsafe).",
        ),
      },
    },
    Preconditions: {
      description: "Conditions an object must meet before an operation runs.",
      fields: {
        uid: p(1, "string", "Required UID of the target."),
        resourceVersion: p(2, "string", "Required resourceVersion of the target."),
      },
    },
    CreateOptions: writeOptions("Options of a create call.", {
      fieldManager: f(3, "string", "Name of the actor making the change."),
      fieldValidation: fieldValidation(4),
    }),
    UpdateOptions: writeOptions("Options of an update call.", {
      fieldManager: f(2, "string", "Name of the actor making the change."),
      fieldValidation: fieldValidation(3),
    }),
    PatchOptions: writeOptions("Options of a patch call.", {
      force: p(2, "bool", "Take over conflicting fields on apply."),
      fieldManager: f(3, "string", "Name of the actor making the change."),
      fieldValidation: fieldValidation(4),
    }),
    GetOptions: {
      description: "Options of a get call.",
      fields: { resourceVersion: f(1, "string", "Constraint on the version served.") },
    },
    ListOptions: {
      description: "Options of a list or watch call.",
      fields: {
        labelSelector: f(1, "string", "Label selector restricting the result."),
        fieldSelector: f(2, "string", "Field selector restricting the result."),
        watch: f(3, "bool", "Stream changes instead of listing."),
        resourceVersion: f(4, "string", "Constraint on the version served."),
        timeoutSeconds: p(5, "int64", "Upper bound on the call's duration."),
        limit: f(7, "int64", "Maximum number of items per chunk."),
        continue: f(8, "string", "Token of the chunk to continue from."),
        allowWatchBookmarks: f(9, "bool", "Ask for BOOKMARK watch events."),
        resourceVersionMatch: f(10, "string", "How resourceVersion is applied.", {
          enum: ["NotOlderThan", "Exact"],
        }),
        sendInitialEvents: p(
          11,
          "bool",
          "Start a watch with the current state as synthetic events.",
        ),
      },
    },
    TypeMeta: {
      description: "Kind and apiVersion of an object.",
      fields: {
        kind: f(1, "string", "Kind of the object."),
        apiVersion: f(2, "string", "Group/version of the object's schema."),
      },
    },
    PartialObjectMetadata: {
      description: "Only the metadata of an object.",
      gvk: [{ group: "meta.k8s.io", version: "v1", kind: "PartialObjectMetadata" }],
      fields: { metadata: f(1, "ObjectMeta", "Standard object metadata.") },
    },
    PartialObjectMetadataList: {
      description: "A list of object metadata.",
      gvk: [{ group: "meta.k8s.io", version: "v1", kind: "PartialObjectMetadataList" }],
      fields: {
        metadata: f(1, "ListMeta", "Standard list metadata."),
        items: f(2, "[]PartialObjectMetadata", "The listed metadata."),
      },
    },
    WatchEvent: {
      description: "One event of a watch stream.",
      fields: {
        type: r(1, "string", "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
        object: r(2, "RawExtension", "The object, or a Status for ERROR."),
      },
    },
    APIGroup: {
      description: "A group's name, versions and preferred version.",
      gvk: [{ group: "", version: "v1", kind: "APIGroup" }],
      fields: {
        name: r(1, "string", "Name of the group."),
        versions: r(2, "[]GroupVersionForDiscovery", "Versions served.", ATOMIC),
        preferredVersion: p(3, "GroupVersionForDiscovery", "Version clients should prefer."),
        serverAddressByClientCIDRs: f(
          4,
          "[]ServerAddressByClientCIDR",
          "Addresses by client network.",
          ATOMIC,
        ),
      },
    },
    APIGroupList: {
      description: "The groups served under /apis.",
      gvk: [{ group: "", version: "v1", kind: "APIGroupList" }],
      fields: { groups: r(1, "[]APIGroup", "Groups served.", ATOMIC) },
    },
    APIVersions: {
      description: "The versions served under /api.",
      gvk: [{ group: "", version: "v1", kind: "APIVersions" }],
      fields: {
        versions: r(1, "[]string", "Versions served.", ATOMIC),
        serverAddressByClientCIDRs: r(
          2,
          "[]ServerAddressByClientCIDR",
          "Addresses by client network.",
          ATOMIC,
        ),
      },
    },
    GroupVersionForDiscovery: {
      description: "A group/version pair as shown by discovery.",
      fields: {
        groupVersion: r(1, "string", "group/version string."),
        version: r(2, "string", "Version alone."),
      },
    },
    ServerAddressByClientCIDR: {
      description: "Server address to use for clients in a CIDR.",
      fields: {
        clientCIDR: r(1, "string", "Client network."),
        serverAddress: r(2, "string", "Address, host:port or IP:port for that network."),
      },
    },
    APIResourceList: {
      description: "The resources served in one group version.",
      gvk: [{ group: "", version: "v1", kind: "APIResourceList" }],
      fields: {
        groupVersion: r(1, "string", "group/version the list describes."),
        resources: r(2, "[]APIResource", "Resources served.", ATOMIC),
      },
    },
    APIResource: {
      description: "One served resource: name, kind, scope and verbs.",
      fields: {
        name: r(1, "string", "Plural resource name."),
        singularName: r(6, "string", "Singular resource name."),
        namespaced: r(2, "bool", "Whether the resource is namespaced."),
        group: f(8, "string", "Group, when it differs from the list's."),
        version: f(9, "string", "Version, when it differs from the list's."),
        kind: r(3, "string", "Kind of the resource."),
        verbs: r(4, "[]string", "Verbs supported.", { wrapped: true }),
        shortNames: f(5, "[]string", "Short aliases.", ATOMIC),
        categories: f(7, "[]string", "Categories such as all.", ATOMIC),
        storageVersionHash: f(10, "string", "Opaque hash of the storage version."),
      },
    },
  },
};

/** io.k8s.apimachinery.pkg.runtime: the protobuf envelope types. */
export const runtimeTypes: SchemaPackage = {
  name: "io.k8s.apimachinery.pkg.runtime",
  types: {
    TypeMeta: {
      description: "apiVersion and kind as carried by the protobuf envelope.",
      fields: {
        apiVersion: f(1, "string", "Group/version of the enclosed object."),
        kind: f(2, "string", "Kind of the enclosed object."),
      },
    },
    Unknown: {
      description: "The protobuf envelope: type metadata plus the serialized object.",
      fields: {
        typeMeta: f(1, "TypeMeta", "Type of the enclosed object."),
        raw: f(2, "bytes", "The serialized object."),
        contentEncoding: f(3, "string", "Encoding of raw; empty means none."),
        contentType: f(4, "string", "Serialization of raw; empty means protobuf here."),
      },
    },
  },
};

/**
 * authentication.k8s.io/v1: TokenRequest, TokenReview, SelfSubjectReview.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  BoundObjectReference: "An object a token is bound to; the token dies with it.",
  "BoundObjectReference.kind": "Pod, Secret or Node.",
  "BoundObjectReference.apiVersion": "API version of the object.",
  "BoundObjectReference.name": "Name of the object.",
  "BoundObjectReference.uid": "UID of the object.",
  SelfSubjectReview: "Returns the caller's own user information as the server sees it.",
  "SelfSubjectReview.metadata": "Standard object metadata.",
  "SelfSubjectReview.status": "Filled in by the server.",
  SelfSubjectReviewStatus: "The caller's identity.",
  "SelfSubjectReviewStatus.userInfo": "User attributes of the caller.",
  TokenRequest: "Requests a token for a service account; posted to serviceaccounts/<name>/token.",
  "TokenRequest.metadata": "Standard object metadata.",
  "TokenRequest.spec": "What token is wanted.",
  "TokenRequest.status": "The issued token.",
  TokenRequestSpec: "Parameters of a token request.",
  "TokenRequestSpec.audiences": "Intended audiences of the token.",
  "TokenRequestSpec.expirationSeconds": "Requested validity in seconds; the server may shorten it.",
  "TokenRequestSpec.boundObjectRef": "Object the token is bound to.",
  TokenRequestStatus: "An issued token.",
  "TokenRequestStatus.token": "The bearer token.",
  "TokenRequestStatus.expirationTimestamp": "When the token expires.",
  TokenReview: "Asks the server to authenticate a bearer token.",
  "TokenReview.metadata": "Standard object metadata.",
  "TokenReview.spec": "The token to check.",
  "TokenReview.status": "The result, filled in by the server.",
  TokenReviewSpec: "A token to authenticate.",
  "TokenReviewSpec.token": "The bearer token.",
  "TokenReviewSpec.audiences": "Audiences the token must be valid for.",
  TokenReviewStatus: "Result of a token review.",
  "TokenReviewStatus.authenticated": "Whether the token belongs to a known user.",
  "TokenReviewStatus.user": "The user the token belongs to.",
  "TokenReviewStatus.audiences": "Audiences the token is valid for.",
  "TokenReviewStatus.error": "Why the token could not be checked.",
  UserInfo: "Attributes of an authenticated user.",
  "UserInfo.username": "Unique user name.",
  "UserInfo.uid": "Identifier unique across time.",
  "UserInfo.groups": "Groups the user belongs to.",
  "UserInfo.extra": "Further attributes from the authenticator.",
};

export const authenticationV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.authentication.v1",
    types: {
      BoundObjectReference: {
        fields: {
          kind: [1, "string"],
          apiVersion: [2, "string"],
          name: [3, "string"],
          uid: [4, "string"],
        },
      },
      SelfSubjectReview: {
        gvk: [{ group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          status: [2, "SelfSubjectReviewStatus"],
        },
      },
      SelfSubjectReviewStatus: {
        fields: {
          userInfo: [1, "UserInfo"],
        },
      },
      TokenRequest: {
        gvk: [{ group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "TokenRequestSpec", { required: true }],
          status: [3, "TokenRequestStatus"],
        },
      },
      TokenRequestSpec: {
        fields: {
          audiences: [1, "[]string", { required: true, listType: "atomic" }],
          expirationSeconds: [4, "int64", { pointer: true }],
          boundObjectRef: [3, "BoundObjectReference"],
        },
      },
      TokenRequestStatus: {
        fields: {
          token: [1, "string", { required: true, pointer: true }],
          expirationTimestamp: [2, "Time", { required: true }],
        },
      },
      TokenReview: {
        gvk: [{ group: "authentication.k8s.io", version: "v1", kind: "TokenReview" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "TokenReviewSpec", { required: true }],
          status: [3, "TokenReviewStatus"],
        },
      },
      TokenReviewSpec: {
        fields: {
          token: [1, "string"],
          audiences: [2, "[]string", { listType: "atomic" }],
        },
      },
      TokenReviewStatus: {
        fields: {
          authenticated: [1, "bool"],
          user: [2, "UserInfo"],
          audiences: [4, "[]string", { listType: "atomic" }],
          error: [3, "string"],
        },
      },
      UserInfo: {
        fields: {
          username: [1, "string"],
          uid: [2, "string"],
          groups: [3, "[]string", { listType: "atomic" }],
          extra: [4, "map[[]string]", { wrapped: true }],
        },
      },
    },
  },
  docs,
);

/**
 * certificates.k8s.io/v1: CertificateSigningRequest.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32.
 */
import type { SchemaPackage } from "../types.ts";
import { withDocs } from "../with-docs.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Descriptions, keyed "Type" or "Type.field". */
const docs: Record<string, string> = {
  CertificateSigningRequest:
    "A request for an X.509 certificate, approved and then issued by a signer.",
  "CertificateSigningRequest.metadata": "Standard object metadata.",
  "CertificateSigningRequest.spec": "The request; immutable after creation.",
  "CertificateSigningRequest.status": "Approval state and the issued certificate.",
  CertificateSigningRequestCondition: "Approved, Denied or Failed state of a request.",
  "CertificateSigningRequestCondition.type": "Approved, Denied or Failed.",
  "CertificateSigningRequestCondition.status": "True, False or Unknown.",
  "CertificateSigningRequestCondition.reason": "Short machine-readable reason.",
  "CertificateSigningRequestCondition.message": "Human-readable details.",
  "CertificateSigningRequestCondition.lastUpdateTime": "When the condition was last updated.",
  "CertificateSigningRequestCondition.lastTransitionTime": "When the status last flipped.",
  CertificateSigningRequestList: "A list of certificate signing requests.",
  "CertificateSigningRequestList.metadata": "Standard list metadata.",
  "CertificateSigningRequestList.items": "The certificate signing requests.",
  CertificateSigningRequestSpec: "The certificate request and who made it.",
  "CertificateSigningRequestSpec.request": "PEM-encoded PKCS#10 request (base64 in JSON).",
  "CertificateSigningRequestSpec.signerName":
    "Signer asked to issue, e.g. kubernetes.io/kube-apiserver-client.",
  "CertificateSigningRequestSpec.expirationSeconds":
    "Requested certificate lifetime in seconds (at least 600).",
  "CertificateSigningRequestSpec.usages": "Requested key usages, e.g. client auth.",
  "CertificateSigningRequestSpec.username": "Requesting user; set by the server.",
  "CertificateSigningRequestSpec.uid": "UID of the requesting user; set by the server.",
  "CertificateSigningRequestSpec.groups": "Groups of the requesting user; set by the server.",
  "CertificateSigningRequestSpec.extra":
    "Extra attributes of the requesting user; set by the server.",
  CertificateSigningRequestStatus: "Approval state and result of a request.",
  "CertificateSigningRequestStatus.conditions": "Approved, Denied and Failed conditions.",
  "CertificateSigningRequestStatus.certificate": "Issued PEM certificate chain (base64 in JSON).",
};

export const certificatesV1: SchemaPackage = withDocs(
  {
    name: "io.k8s.api.certificates.v1",
    types: {
      CertificateSigningRequest: {
        gvk: [{ group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest" }],
        fields: {
          metadata: [1, `${META}.ObjectMeta`],
          spec: [2, "CertificateSigningRequestSpec", { required: true }],
          status: [3, "CertificateSigningRequestStatus"],
        },
      },
      CertificateSigningRequestCondition: {
        fields: {
          type: [1, "string", { required: true, pointer: true }],
          status: [6, "string", { required: true, pointer: true }],
          reason: [2, "string"],
          message: [3, "string"],
          lastUpdateTime: [4, "Time"],
          lastTransitionTime: [5, "Time"],
        },
      },
      CertificateSigningRequestList: {
        gvk: [
          { group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequestList" },
        ],
        fields: {
          metadata: [1, `${META}.ListMeta`],
          items: [2, "[]CertificateSigningRequest", { required: true }],
        },
      },
      CertificateSigningRequestSpec: {
        fields: {
          request: [1, "bytes", { required: true, listType: "atomic" }],
          signerName: [7, "string", { required: true, pointer: true }],
          expirationSeconds: [8, "int32", { pointer: true }],
          usages: [5, "[]string", { listType: "atomic" }],
          username: [2, "string"],
          uid: [3, "string"],
          groups: [4, "[]string", { listType: "atomic" }],
          extra: [6, "map[[]string]", { wrapped: true }],
        },
      },
      CertificateSigningRequestStatus: {
        fields: {
          conditions: [
            1,
            "[]CertificateSigningRequestCondition",
            { listType: "map", listMapKeys: ["type"] },
          ],
          certificate: [2, "bytes", { listType: "atomic" }],
        },
      },
    },
  },
  docs,
);

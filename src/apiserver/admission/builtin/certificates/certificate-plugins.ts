/**
 * The certificates.k8s.io admission plugins, as upstream's
 * plugin/pkg/admission/certificates:
 * - CertificateApproval: approving or denying a CertificateSigningRequest
 *   (the approval subresource) needs verb "approve" on the signer;
 * - CertificateSigning: setting or changing status.certificate (the status
 *   subresource) needs verb "sign" on the signer;
 * - CertificateSubjectRestriction: a CSR for kubernetes.io/kube-apiserver-client
 *   may not ask for the system:masters group.
 * A signer is authorized as resource "signers" in certificates.k8s.io named
 * after the signer, or its domain wildcard "<domain>/*".
 */
import type { Authorizer, UserInfo } from "../../../../auth/types.ts";
import { parseCsrPem } from "../../../../pki/csr.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../../pipeline.ts";
import { admissionForbidden } from "../admission-error.ts";

type Rec = Record<string, unknown>;
const GROUP = "certificates.k8s.io";
const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";

/** Whether `user` may `verb` ("approve", "sign") requests of `signerName`. */
export async function signerAuthorized(
  authorizer: Authorizer,
  user: UserInfo,
  verb: string,
  signerName: string,
): Promise<boolean> {
  const ask = async (name: string) =>
    (
      await authorizer.authorize({
        user,
        verb,
        isResourceRequest: true,
        namespace: "",
        apiGroup: GROUP,
        apiVersion: "*",
        resource: "signers",
        subresource: "",
        name,
        path: "",
      })
    ).decision === "allow";
  if (await ask(signerName)) return true;
  const domain = signerName.split("/")[0];
  return ask(`${domain}/*`);
}

const isCsr = (a: AdmissionAttributes, subresource: string, op: string) =>
  a.def.group === GROUP &&
  a.def.resource === "certificatesigningrequests" &&
  a.subresource === subresource &&
  a.operation === op &&
  a.object !== undefined;

const signerOf = (a: AdmissionAttributes) =>
  String(((a.oldObject?.spec ?? a.object?.spec) as Rec | undefined)?.signerName ?? "");

/** CertificateApproval. */
export function certificateApprovalPlugin(authorizer: Authorizer): AdmissionPlugin {
  return {
    name: "CertificateApproval",
    validate(a) {
      if (!isCsr(a, "approval", "UPDATE")) return;
      return checkApprover(a);
    },
  };

  async function checkApprover(a: AdmissionAttributes): Promise<void> {
    const signer = signerOf(a);
    if (!(await signerAuthorized(authorizer, a.user, "approve", signer)))
      throw admissionForbidden(
        a,
        `user not permitted to approve requests with signerName "${signer}"`,
      );
  }
}

/** CertificateSigning: only changes of status.certificate are checked. */
export function certificateSigningPlugin(authorizer: Authorizer): AdmissionPlugin {
  return {
    name: "CertificateSigning",
    validate(a) {
      if (!isCsr(a, "status", "UPDATE")) return;
      return checkSigner(a);
    },
  };

  async function checkSigner(a: AdmissionAttributes): Promise<void> {
    const cert = (o: unknown) => String(((o as Rec | undefined)?.status as Rec)?.certificate ?? "");
    if (cert(a.object) === cert(a.oldObject)) return;
    const signer = signerOf(a);
    if (!(await signerAuthorized(authorizer, a.user, "sign", signer)))
      throw admissionForbidden(
        a,
        `user not permitted to sign requests with signerName "${signer}"`,
      );
  }
}

/** CertificateSubjectRestriction. */
export function certificateSubjectRestrictionPlugin(): AdmissionPlugin {
  return {
    name: "CertificateSubjectRestriction",
    validate(a) {
      if (!isCsr(a, "", "CREATE")) return;
      const spec = (a.object!.spec ?? {}) as Rec;
      if (spec.signerName !== KUBE_APISERVER_CLIENT) return;
      let organizations: string[];
      try {
        organizations = parseCsrPem(
          Buffer.from(String(spec.request ?? ""), "base64").toString("utf8"),
        ).organizations;
      } catch {
        return; // Validation reports malformed requests.
      }
      if (organizations.includes("system:masters"))
        throw admissionForbidden(
          a,
          `use of ${KUBE_APISERVER_CLIENT} signer with system:masters group is not allowed`,
        );
    },
  };
}

/**
 * What the kubernetes.io signers may issue, as upstream's csrsigning
 * controller checks it, and issuing a certificate for an approved CSR from
 * the cluster CA.
 */
import type { KObject } from "../../api/types.ts";
import { parseCsrPem, type ParsedCsr } from "../../pki/csr.ts";
import { signCertificate, type CertUsage } from "../../pki/sign.ts";

export const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";
export const KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet";
export const KUBELET_SERVING = "kubernetes.io/kubelet-serving";
export const LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown";

const ALLOWED_USAGES: Record<string, string[]> = {
  [KUBE_APISERVER_CLIENT]: ["digital signature", "key encipherment", "client auth"],
  [KUBE_APISERVER_CLIENT_KUBELET]: ["digital signature", "key encipherment", "client auth"],
  [KUBELET_SERVING]: ["digital signature", "key encipherment", "server auth"],
};

/** A CSR the signer refuses: the reason goes into a Failed condition. */
export class SignerValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignerValidationError";
  }
}

export interface CsrSpec {
  request: string;
  signerName: string;
  usages?: string[];
  expirationSeconds?: number;
}

/** Whether this signer handles the name. */
export function isKnownSigner(name: string): boolean {
  return name in ALLOWED_USAGES;
}

/** Validates the request against its signer's rules; returns the parsed CSR. */
export function validateForSigner(spec: CsrSpec): ParsedCsr {
  const allowed = ALLOWED_USAGES[spec.signerName];
  if (!allowed) throw new SignerValidationError(`unknown signer ${spec.signerName}`);
  let csr: ParsedCsr;
  try {
    csr = parseCsrPem(Buffer.from(spec.request, "base64").toString("utf8"));
  } catch (err) {
    throw new SignerValidationError((err as Error).message);
  }
  const usages = spec.usages ?? [];
  const bad = usages.filter((u) => !allowed.includes(u));
  if (bad.length > 0)
    throw new SignerValidationError(`invalid usage for signer: ${bad.join(", ")}`);
  if (spec.signerName !== KUBE_APISERVER_CLIENT) {
    if (!csr.commonName.startsWith("system:node:"))
      throw new SignerValidationError('subject common name must begin with "system:node:"');
    if (csr.organizations.length !== 1 || csr.organizations[0] !== "system:nodes")
      throw new SignerValidationError('subject organization must be ["system:nodes"]');
  }
  if (
    spec.signerName === KUBE_APISERVER_CLIENT_KUBELET &&
    (csr.dnsNames.length || csr.ipAddresses.length)
  )
    throw new SignerValidationError("subjectAltNames are not allowed for client certificates");
  if (spec.signerName === KUBELET_SERVING && csr.dnsNames.length + csr.ipAddresses.length === 0)
    throw new SignerValidationError(
      "a kubelet serving certificate needs a DNS or IP subjectAltName",
    );
  return csr;
}

export interface CaPair {
  certPem: string;
  keyPem: string;
}

/** Issues the PEM certificate for a validated CSR. */
export function issueForCsr(
  csr: ParsedCsr,
  spec: CsrSpec,
  ca: CaPair,
  nowMs: number,
  maxDurationMs: number,
): string {
  const usages = spec.usages ?? [];
  const server = usages.includes("server auth");
  const client = usages.includes("client auth");
  const usage: CertUsage = server && client ? "server-client" : server ? "server" : "client";
  const requested = spec.expirationSeconds ? spec.expirationSeconds * 1000 : maxDurationMs;
  const duration = Math.min(requested, maxDurationMs);
  return signCertificate({
    spkiDer: csr.spkiDer,
    subject: csr.subject,
    usage,
    dnsNames: server ? csr.dnsNames : undefined,
    ipAddresses: server ? csr.ipAddresses : undefined,
    signer: ca,
    notBefore: new Date(nowMs - 5 * 60_000),
    notAfter: new Date(nowMs + duration),
  });
}

type Condition = { type?: string; status?: string };

/** The state of a CSR object. */
export function csrState(obj: KObject): "pending" | "approved" | "denied" | "failed" | "issued" {
  const status = (obj.status ?? {}) as { conditions?: Condition[]; certificate?: string };
  const has = (t: string) =>
    (status.conditions ?? []).some((c) => c.type === t && c.status !== "False");
  if (has("Denied")) return "denied";
  if (has("Failed")) return "failed";
  if (status.certificate) return "issued";
  return has("Approved") ? "approved" : "pending";
}

/**
 * CertificateSigningRequest validation (certificates.k8s.io/v1), the checks
 * kubectl users meet: a PEM CERTIFICATE REQUEST in spec.request, a
 * signerName, usages, and Approved/Denied never together.
 */
import { fieldErrors, type FieldError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import { parseCsrPem } from "../../pki/csr.ts";

export const KNOWN_USAGES = [
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
];

/** Field errors of a CSR (spec and conditions). */
export function validateCsr(obj: KObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  if (!spec.request) errors.push(fieldErrors.required("spec.request"));
  else {
    try {
      parseCsrPem(Buffer.from(String(spec.request), "base64").toString("utf8"));
    } catch {
      errors.push(
        fieldErrors.invalid("spec.request", [], "PEM block type must be CERTIFICATE REQUEST"),
      );
    }
  }
  if (!spec.signerName) errors.push(fieldErrors.required("spec.signerName"));
  const usages = (spec.usages as string[] | undefined) ?? [];
  if (usages.length === 0) errors.push(fieldErrors.required("spec.usages"));
  usages.forEach((u, i) => {
    if (!KNOWN_USAGES.includes(u))
      errors.push(fieldErrors.notSupported(`spec.usages[${i}]`, u, KNOWN_USAGES));
  });
  if (typeof spec.expirationSeconds === "number" && spec.expirationSeconds < 600)
    errors.push(
      fieldErrors.invalid(
        "spec.expirationSeconds",
        spec.expirationSeconds,
        "may not specify a duration less than 600 seconds (10 minutes)",
      ),
    );
  const status = (obj.status ?? {}) as { conditions?: { type?: string }[] };
  const types = new Set((status.conditions ?? []).map((c) => c.type));
  if (types.has("Approved") && types.has("Denied"))
    errors.push(
      fieldErrors.invalid(
        "status.conditions",
        "Approved",
        "Approved and Denied conditions are mutually exclusive",
      ),
    );
  return errors;
}

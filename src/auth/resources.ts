/**
 * ResourceDefs of authentication.k8s.io/v1, authorization.k8s.io/v1 and
 * certificates.k8s.io/v1, and a registry that serves them alongside the
 * built-in resources (groups in upstream discovery order).
 */
import { Registry, builtinResources } from "../api/registry.ts";
import { metricsResources } from "../api/resources/metrics.ts";
import type { ResourceDef } from "../api/types.ts";
import { validateCsr } from "./csr/validation.ts";

const review = (
  group: string,
  resource: string,
  kind: string,
  namespaced = false,
): ResourceDef => ({
  group,
  version: "v1",
  resource,
  singular: resource.replace(/s$/, ""),
  kind,
  namespaced,
  verbs: ["create"],
  hasGeneration: false,
});

/** The auth-related resource definitions. */
export function authResources(): ResourceDef[] {
  const authn = "authentication.k8s.io";
  const authz = "authorization.k8s.io";
  return [
    review(authn, "selfsubjectreviews", "SelfSubjectReview"),
    review(authn, "tokenreviews", "TokenReview"),
    review(authz, "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
    review(authz, "selfsubjectaccessreviews", "SelfSubjectAccessReview"),
    review(authz, "selfsubjectrulesreviews", "SelfSubjectRulesReview"),
    review(authz, "subjectaccessreviews", "SubjectAccessReview"),
    {
      group: "certificates.k8s.io",
      version: "v1",
      resource: "certificatesigningrequests",
      singular: "certificatesigningrequest",
      kind: "CertificateSigningRequest",
      namespaced: false,
      shortNames: ["csr"],
      hasGeneration: false,
      subresources: [
        { name: "approval", kind: "CertificateSigningRequest", verbs: ["get", "patch", "update"] },
        { name: "status", kind: "CertificateSigningRequest", verbs: ["get", "patch", "update"] },
      ],
      strategy: {
        validate: validateCsr,
        prepareForCreate(obj) {
          delete obj.status;
        },
        prepareForUpdate(obj, old) {
          obj.spec = structuredClone(old.spec);
          obj.status = structuredClone(old.status);
        },
      },
    },
  ];
}

const AFTER: Record<string, string> = {
  "authentication.k8s.io": "events.k8s.io",
  "authorization.k8s.io": "events.k8s.io",
  "certificates.k8s.io": "batch",
};

/** The built-in resources plus the auth groups, in upstream's group order. */
export function registryWithAuth(): Registry {
  const defs = builtinResources();
  const extra = authResources();
  for (const group of ["authentication.k8s.io", "authorization.k8s.io", "certificates.k8s.io"]) {
    if (defs.some((d) => d.group === group)) continue;
    const mine = extra.filter((d) => d.group === group);
    let at = defs.length;
    for (let i = defs.length - 1; i >= 0; i--) {
      if (defs[i].group === AFTER[group]) {
        at = i + 1;
        break;
      }
    }
    // Keep groups inserted after the same anchor in order.
    while (at < defs.length && mine.length && extra.some((d) => d.group === defs[at].group)) at++;
    defs.splice(at, 0, ...mine);
  }
  // metrics.k8s.io last, where upstream's discovery lists aggregated groups.
  return new Registry([...defs, ...metricsResources()]);
}

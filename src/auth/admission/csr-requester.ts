/**
 * Records who asked for a CertificateSigningRequest: spec.username, uid,
 * groups and extra are always the requesting user's, as upstream's CSR
 * strategy sets them on create.
 */
import type { AdmissionPlugin } from "../../apiserver/pipeline.ts";

export function csrRequesterPlugin(): AdmissionPlugin {
  return {
    name: "CertificateSigningRequestRequester",
    admit(a) {
      if (a.operation !== "CREATE" || a.def.group !== "certificates.k8s.io") return;
      if (a.def.resource !== "certificatesigningrequests" || a.subresource !== "" || !a.object)
        return;
      const spec = (a.object.spec ??= {}) as Record<string, unknown>;
      spec.username = a.user.username;
      if (a.user.uid) spec.uid = a.user.uid;
      else delete spec.uid;
      spec.groups = [...a.user.groups];
      if (a.user.extra) spec.extra = a.user.extra;
      else delete spec.extra;
    },
  };
}

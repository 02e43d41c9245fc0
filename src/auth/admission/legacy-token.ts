/**
 * Legacy service-account token secrets, as upstream's tokens controller
 * fills them: a Secret of type kubernetes.io/service-account-token created
 * with the annotation kubernetes.io/service-account.name gets, at create,
 * the service account's uid annotation (kubernetes.io/service-account.uid)
 * and data.token (a non-expiring legacy JWT naming the secret), data.ca.crt
 * (the cluster CA) and data.namespace. Secrets naming a missing service
 * account, or already carrying a token, are left alone. Done at admission
 * because the signing key lives in the API server here, not in a separate
 * controller manager.
 */
import type { KObject } from "../../api/types.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../apiserver/pipeline.ts";
import { mintLegacyToken } from "../serviceaccount/tokens.ts";

export const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";
const NAME_ANNOTATION = "kubernetes.io/service-account.name";
const UID_ANNOTATION = "kubernetes.io/service-account.uid";

export interface LegacyTokenOptions {
  signingKeyPem: string;
  /** The cluster CA written as ca.crt. */
  rootCaPem?: string;
  getServiceAccount(namespace: string, name: string): Promise<KObject | undefined>;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function legacyTokenPlugin(opts: LegacyTokenOptions): AdmissionPlugin {
  return {
    name: "LegacyServiceAccountToken",
    admit(a) {
      if (a.operation !== "CREATE" || a.def.group !== "" || a.def.resource !== "secrets") return;
      return mintToken(a);
    },
  };

  async function mintToken(a: AdmissionAttributes): Promise<void> {
    const secret = a.object as
      (KObject & { type?: string; data?: Record<string, string> }) | undefined;
    if (!secret || a.subresource !== "" || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return;
    const meta = (secret.metadata ??= {});
    const saName = meta.annotations?.[NAME_ANNOTATION];
    const namespace = meta.namespace ?? a.namespace;
    if (!saName || !meta.name || !namespace || secret.data?.token) return;
    const sa = await opts.getServiceAccount(namespace, saName);
    const uid = sa?.metadata?.uid;
    if (!uid) return;
    const wanted = meta.annotations?.[UID_ANNOTATION];
    if (wanted && wanted !== uid) return;
    meta.annotations = { ...meta.annotations, [UID_ANNOTATION]: uid };
    const token = mintLegacyToken(opts.signingKeyPem, { namespace, name: saName, uid }, meta.name);
    secret.data = {
      ...secret.data,
      token: b64(token),
      namespace: b64(namespace),
      ...(opts.rootCaPem ? { "ca.crt": b64(opts.rootCaPem) } : {}),
    };
  }
}

/**
 * POST /api/v1/namespaces/NS/serviceaccounts/NAME/token (TokenRequest):
 * mints a bound token for an existing service account, optionally bound to
 * a Pod, Secret or Node that must exist (and match boundObjectRef.uid).
 */
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import { mintBoundToken, type BoundObject, type ObjectGetter } from "./tokens.ts";

export interface TokenRequestConfig {
  privateKeyPem: string;
  issuer: string;
  apiAudiences: string[];
  /** --service-account-max-token-expiration in seconds (0: no cap). */
  maxExpirationSeconds: number;
}

function invalidField(field: string, value: unknown, detail: string): StatusError {
  const message = `Invalid value: ${JSON.stringify(value)}: ${detail}`;
  return new StatusError(
    "Invalid",
    `TokenRequest.authentication.k8s.io "" is invalid: ${field}: ${message}`,
    {
      kind: "TokenRequest",
      group: "authentication.k8s.io",
      causes: [{ reason: "FieldValueInvalid", message, field }],
    },
  );
}

/** Handles a TokenRequest body for service account `namespace/name`; returns the reply object. */
export async function createToken(
  cfg: TokenRequestConfig,
  getObject: ObjectGetter,
  namespace: string,
  name: string,
  body: KObject,
  nowMs: number,
): Promise<KObject> {
  const spec = (body.spec ?? {}) as {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
  };
  let expirationSeconds = spec.expirationSeconds ?? 3600;
  if (expirationSeconds < 600)
    throw invalidField(
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration less than 10 minutes",
    );
  if (expirationSeconds > 2 ** 32)
    throw invalidField(
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration larger than 2^32 seconds",
    );
  if (cfg.maxExpirationSeconds > 0)
    expirationSeconds = Math.min(expirationSeconds, cfg.maxExpirationSeconds);
  const sa = await getObject("ServiceAccount", namespace, name);
  if (!sa)
    throw new StatusError("NotFound", `serviceaccounts "${name}" not found`, {
      name,
      kind: "serviceaccounts",
    });
  let bound: BoundObject | undefined;
  let podNode: { name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    const kind = ref.kind ?? "";
    if (kind !== "Pod" && kind !== "Secret" && kind !== "Node")
      throw invalidField(
        "spec.boundObjectRef.kind",
        kind,
        'supported values: "Pod", "Secret", "Node"',
      );
    const obj = await getObject(kind, kind === "Node" ? "" : namespace, ref.name ?? "");
    const plural = `${kind.toLowerCase()}s`;
    if (!obj)
      throw new StatusError("NotFound", `${plural} "${ref.name}" not found`, {
        name: ref.name,
        kind: plural,
      });
    if (ref.uid && obj.metadata?.uid !== ref.uid)
      throw new StatusError(
        "Conflict",
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        {},
      );
    bound = { kind, name: ref.name ?? "", uid: obj.metadata?.uid ?? "" };
    const nodeName =
      kind === "Pod" ? String((obj.spec as Record<string, unknown>)?.nodeName ?? "") : "";
    if (nodeName) {
      const node = await getObject("Node", "", nodeName);
      if (node) podNode = { name: nodeName, uid: node.metadata?.uid ?? "" };
    }
  }
  const audiences = spec.audiences?.length ? spec.audiences : cfg.apiAudiences;
  const { token, expiresAtMs } = mintBoundToken(cfg.privateKeyPem, cfg.issuer, {
    namespace,
    serviceAccount: { name, uid: sa.metadata?.uid ?? "" },
    audiences,
    expirationSeconds,
    bound,
    podNode,
    nowMs,
  });
  return {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: {
      name,
      namespace,
      creationTimestamp: new Date(Math.floor(nowMs / 1000) * 1000)
        .toISOString()
        .replace(".000Z", "Z"),
    },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: {
      token,
      expirationTimestamp: new Date(expiresAtMs).toISOString().replace(".000Z", "Z"),
    },
  };
}

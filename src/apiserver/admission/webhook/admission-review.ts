/**
 * admission.k8s.io AdmissionReview (v1, and v1beta1 for webhooks listing
 * only it in admissionReviewVersions): the request sent to a webhook (also
 * the `request` variable of CEL match conditions and policies) and the
 * checks upstream applies to a webhook's response. CONNECT requests carry
 * their connect options as the object and no operation options.
 */
import { randomUUID } from "node:crypto";
import type { KObject, ResourceDef } from "../../../api/types.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";
import { inVersion } from "./rules.ts";

type Rec = Record<string, unknown>;

const OPTIONS_KIND: Record<string, string | undefined> = {
  CREATE: "CreateOptions",
  UPDATE: "UpdateOptions",
  DELETE: "DeleteOptions",
};

/** The kind of a request's object: the subresource's kind when it has its own (scale). */
function kindOf(def: ResourceDef, subresource: string): Rec {
  const sub = def.subresources?.find((s) => s.name === subresource);
  if (sub && sub.kind !== def.kind)
    return { group: sub.group ?? def.group, version: sub.version ?? def.version, kind: sub.kind };
  return { group: def.group, version: def.version, kind: def.kind };
}

/**
 * The AdmissionRequest for attrs, presented as `as` (the def a rule matched,
 * possibly an equivalent version of the request's own).
 */
export async function admissionRequest(
  attrs: AdmissionAttributes,
  as: ResourceDef,
  uid: string = randomUUID(),
): Promise<Rec> {
  const user: Rec = { username: attrs.user.username, groups: attrs.user.groups };
  if (attrs.user.uid) user.uid = attrs.user.uid;
  if (attrs.user.extra && Object.keys(attrs.user.extra).length > 0) user.extra = attrs.user.extra;
  const req: Rec = {
    uid,
    kind: kindOf(as, attrs.subresource),
    resource: { group: as.group, version: as.version, resource: as.resource },
    requestKind: kindOf(attrs.def, attrs.subresource),
    requestResource: {
      group: attrs.def.group,
      version: attrs.def.version,
      resource: attrs.def.resource,
    },
    name: attrs.name,
    operation: attrs.operation,
    userInfo: user,
    object: (await inVersion(attrs.object, as)) ?? null,
    oldObject: (await inVersion(attrs.oldObject, as)) ?? null,
    dryRun: attrs.dryRun,
  };
  if (attrs.subresource) {
    req.subResource = attrs.subresource;
    req.requestSubResource = attrs.subresource;
  }
  if (attrs.namespace) req.namespace = attrs.namespace;
  const optionsKind = OPTIONS_KIND[attrs.operation];
  if (optionsKind) {
    req.options = { kind: optionsKind, apiVersion: "meta.k8s.io/v1" };
    // The operation's options carry the dry run, as the request's query gave it.
    if (attrs.dryRun) (req.options as Rec).dryRun = ["All"];
    if (attrs.fieldManager && attrs.operation !== "DELETE")
      (req.options as Rec).fieldManager = attrs.fieldManager;
  }
  return req;
}

/** AdmissionReview versions k8ts sends, preferred first. */
export type ReviewVersion = "v1" | "v1beta1";
const REVIEW_VERSIONS: readonly ReviewVersion[] = ["v1", "v1beta1"];

/**
 * The first of a webhook's admissionReviewVersions that k8ts sends, as
 * upstream picks it; undefined when it lists none of v1, v1beta1.
 */
export function reviewVersionFor(webhook: Rec): ReviewVersion | undefined {
  const listed = Array.isArray(webhook.admissionReviewVersions)
    ? webhook.admissionReviewVersions.map(String)
    : [];
  return listed.find((v): v is ReviewVersion => REVIEW_VERSIONS.includes(v as ReviewVersion));
}

/** The review envelope sent to a webhook. */
export function admissionReview(request: Rec, version: ReviewVersion = "v1"): Rec {
  return { kind: "AdmissionReview", apiVersion: `admission.k8s.io/${version}`, request };
}

/** A webhook's verdict, checked as upstream checks it. */
export interface WebhookVerdict {
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string; details?: Rec };
  /** Decoded JSON patch operations (mutating webhooks). */
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Thrown for a malformed response; the caller applies the failure policy. */
export class WebhookResponseError extends Error {
  readonly code = "WEBHOOK_RESPONSE";
}

/**
 * Parses and checks a review response against the request uid. v1beta1
 * answers are checked leniently, as upstream: any apiVersion/kind and uid,
 * and a patch without patchType is a JSONPatch.
 */
export function parseReviewResponse(
  body: unknown,
  uid: string,
  mutating: boolean,
  version: ReviewVersion = "v1",
): WebhookVerdict {
  const review = (body ?? {}) as Rec;
  const strict = version === "v1";
  if (strict && (review.apiVersion !== "admission.k8s.io/v1" || review.kind !== "AdmissionReview"))
    throw new WebhookResponseError(
      `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(review.apiVersion)}, Kind=${String(review.kind)}`,
    );
  const resp = review.response as Rec | undefined;
  if (!resp || typeof resp !== "object")
    throw new WebhookResponseError("webhook response was absent");
  if (!strict && typeof resp.patch === "string" && resp.patch !== "" && !resp.patchType)
    resp.patchType = "JSONPatch";
  if (strict && resp.uid !== uid)
    throw new WebhookResponseError(`expected response.uid="${uid}", got "${String(resp.uid)}"`);
  const verdict: WebhookVerdict = {
    allowed: resp.allowed === true,
    status: resp.status as WebhookVerdict["status"],
    warnings: Array.isArray(resp.warnings) ? resp.warnings.map(String) : [],
    auditAnnotations: {},
  };
  if (resp.auditAnnotations && typeof resp.auditAnnotations === "object")
    for (const [k, v] of Object.entries(resp.auditAnnotations as Rec))
      verdict.auditAnnotations[k] = String(v);
  const hasPatch = typeof resp.patch === "string" && resp.patch !== "";
  if (hasPatch || resp.patchType !== undefined) {
    if (!mutating) throw new WebhookResponseError("validating webhooks may not return patches");
    if (hasPatch && resp.patchType !== "JSONPatch")
      throw new WebhookResponseError(
        `expected patchType "JSONPatch", got "${String(resp.patchType ?? "")}"`,
      );
    if (!hasPatch && resp.patchType !== undefined)
      throw new WebhookResponseError(
        `webhook returned patchType ${String(resp.patchType)} without patch`,
      );
  }
  if (hasPatch) {
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(String(resp.patch), "base64").toString("utf8"));
    } catch (err) {
      throw new WebhookResponseError(`failed to decode patch: ${(err as Error).message}`);
    }
    if (!Array.isArray(ops)) throw new WebhookResponseError("patch is not a JSON array");
    verdict.patch = ops;
  }
  return verdict;
}

/** The objects a webhook saw, for callers applying patches: the request's object in `as`'s version. */
export function versionedObject(
  attrs: AdmissionAttributes,
  as: ResourceDef,
): Promise<KObject | undefined> {
  return inVersion(attrs.object, as);
}

/**
 * Webhook conversion of custom resources (spec.conversion.strategy Webhook):
 * sends an apiextensions.k8s.io ConversionReview (v1, or v1beta1 when the
 * CRD lists only that) with request.uid, desiredAPIVersion and the objects,
 * checks the response as upstream does (kind, uid, result status, object
 * count, apiVersion and kind, unchanged name/namespace/uid) and restores the
 * original metadata except labels and annotations. Failures are errors with
 * upstream's wording, `conversion webhook for <group>/<version>,
 * Kind=<Kind> failed: ...`, thrown as 500 InternalError Status.
 *
 * Conversion is synchronous (ResourceDef.convert): the HTTPS call goes
 * through a SyncPoster, blocking the server's event loop for its duration
 * (bounded by the timeout).
 */
import { randomUUID } from "node:crypto";
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import type { CustomResourceDefinition } from "../types.ts";
import type { SyncPoster } from "./sync-post.ts";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {};

/** Timeout of one conversion call (upstream has none of its own; k8ts bounds the blocking). */
export const CONVERSION_TIMEOUT_MS = 10_000;

/** The review versions k8ts speaks, in preference order of the CRD's list. */
const REVIEW_VERSIONS = ["v1", "v1beta1"];

/** Resolves a service reference synchronously to a dialable address. */
export type SyncServiceResolve = (
  namespace: string,
  name: string,
  port: number,
) => { host: string; port: number };

export interface WebhookConverterDeps {
  poster: SyncPoster;
  resolveService: SyncServiceResolve;
  timeoutMs?: number;
  newUID?: () => string;
  /** Clock for the fail-fast window after a timeout (default Date.now). */
  now?: () => number;
}

/** Converts one object to an apiVersion of the same group. */
export type ConvertFn = (obj: KObject, toApiVersion: string) => KObject;

/** The webhook's clientConfig of a CRD, or undefined when it converts with None. */
export function conversionWebhookOf(crd: CustomResourceDefinition): Rec | undefined {
  const conversion = crd.spec.conversion;
  if (conversion?.strategy !== "Webhook") return undefined;
  return rec(rec(conversion.webhook).clientConfig);
}

/** The ConversionReview version to send, or undefined when the CRD names none k8ts speaks. */
export function reviewVersionOf(crd: CustomResourceDefinition): string | undefined {
  const listed = rec(crd.spec.conversion?.webhook).conversionReviewVersions;
  const versions = Array.isArray(listed) ? listed : [];
  return versions.find((v) => REVIEW_VERSIONS.includes(String(v))) as string | undefined;
}

function targetOf(clientConfig: Rec, resolve: SyncServiceResolve) {
  const caBundle = typeof clientConfig.caBundle === "string" ? clientConfig.caBundle : "";
  const ca = caBundle ? Buffer.from(caBundle, "base64").toString("utf8") : undefined;
  if (typeof clientConfig.url === "string") return { url: new URL(clientConfig.url), ca };
  const svc = rec(clientConfig.service);
  const namespace = String(svc.namespace ?? "");
  const name = String(svc.name ?? "");
  const at = resolve(namespace, name, Number(svc.port ?? 443));
  const host = at.host.includes(":") ? `[${at.host}]` : at.host;
  const path = typeof svc.path === "string" ? svc.path : "/";
  return {
    url: new URL(`https://${host}:${at.port}${path}`),
    ca,
    servername: `${name}.${namespace}.svc`,
  };
}

/** Go's rendering of a GroupVersionKind. */
function gvkString(obj: KObject): string {
  return `${obj.apiVersion ?? ""}, Kind=${obj.kind ?? ""}`;
}

function internal(message: string): StatusError {
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** Upstream's restoreObjectMeta: original metadata, the webhook's labels and annotations. */
function restoreMeta(original: KObject, converted: KObject): string | undefined {
  if (converted.metadata === undefined || converted.metadata === null)
    return "missing metadata in converted object";
  const response = rec(converted.metadata);
  const meta: Rec = structuredClone(original.metadata ?? {});
  for (const field of ["labels", "annotations"]) {
    const value = response[field];
    if (value === undefined || value === null) {
      delete meta[field];
      continue;
    }
    if (typeof value !== "object" || Array.isArray(value))
      return `invalid metadata.${field} of type ${typeof value} in converted object`;
    for (const [k, v] of Object.entries(value as Rec)) {
      if (typeof v !== "string")
        return `metadata.${field}[${k}] must be a string, but is ${typeof v} in converted object`;
    }
    meta[field] = value;
  }
  converted.metadata = meta;
  return undefined;
}

function sameIdentity(a: KObject, b: KObject): string | undefined {
  const checks: [string, unknown, unknown][] = [
    ["kind", a.kind, b.kind],
    ["name", a.metadata?.name, rec(b.metadata).name],
    ["namespace", a.metadata?.namespace, rec(b.metadata).namespace],
    ["UID", a.metadata?.uid, rec(b.metadata).uid],
  ];
  for (const [what, x, y] of checks) {
    if ((x ?? "") !== (y ?? "")) return `must have the same ${what}: ${x ?? ""} != ${y ?? ""}`;
  }
  return undefined;
}

/** A converter calling the CRD's conversion webhook; objects already in the target pass through. */
export function webhookConverter(
  crd: CustomResourceDefinition,
  deps: WebhookConverterDeps,
): ConvertFn {
  const clientConfig = conversionWebhookOf(crd) ?? {};
  const reviewVersion = reviewVersionOf(crd);
  const timeoutMs = deps.timeoutMs ?? CONVERSION_TIMEOUT_MS;
  const newUID = deps.newUID ?? randomUUID;
  const now = deps.now ?? Date.now;
  // A webhook that timed out is not called again for one timeout period:
  // every call blocks the server, so a hanging webhook must not stall it per object.
  let timedOut: { at: number; error: string } | undefined;
  return (obj, toApiVersion) => {
    if (obj.apiVersion === toApiVersion) return structuredClone(obj);
    const prefix = `conversion webhook for ${gvkString(obj)}`;
    if (timedOut && now() - timedOut.at < timeoutMs) {
      throw internal(`${prefix} failed: ${timedOut.error}`);
    }
    if (!reviewVersion) throw internal("no supported conversion review versions");
    const uid = newUID();
    const review = {
      apiVersion: `apiextensions.k8s.io/${reviewVersion}`,
      kind: "ConversionReview",
      request: { uid, desiredAPIVersion: toApiVersion, objects: [obj] },
    };
    let target;
    try {
      target = targetOf(clientConfig, deps.resolveService);
    } catch (e) {
      throw internal(`${prefix} failed: ${(e as Error).message}`);
    }
    const url = new URL(target.url);
    url.searchParams.set("timeout", `${Math.ceil(timeoutMs / 1000)}s`);
    const answer = deps.poster.post({
      url: url.toString(),
      body: JSON.stringify(review),
      ca: target.ca,
      servername: target.servername,
      timeoutMs,
    });
    if (!answer.ok) {
      const error = `Post "${url}": ${answer.error}`;
      if (answer.error === "context deadline exceeded") timedOut = { at: now(), error };
      throw internal(`${prefix} failed: ${error}`);
    }
    timedOut = undefined;
    if (answer.status < 200 || answer.status > 299) {
      throw internal(
        `${prefix} failed: the server responded with the status code ${answer.status} but did not return more information`,
      );
    }
    let body: Rec;
    try {
      body = rec(JSON.parse(answer.body));
    } catch (e) {
      throw internal(`${prefix} failed: ${(e as Error).message}`);
    }
    const problem = responseProblem(body, reviewVersion, uid);
    if (problem) throw internal(`${prefix} failed: ${problem}`);
    const objects = rec(body.response).convertedObjects;
    const converted = Array.isArray(objects) ? objects : [];
    if (converted.length !== 1)
      throw internal(`${prefix} returned ${converted.length} objects, expected 1`);
    const out = rec(converted[0]) as KObject;
    if (out.apiVersion !== toApiVersion) {
      throw internal(
        `${prefix} returned invalid object at index 0: invalid groupVersion (expected ${toApiVersion}, received ${String(out.apiVersion ?? "")})`,
      );
    }
    if (out.kind !== obj.kind) {
      throw internal(
        `${prefix} returned invalid object at index 0: invalid kind (expected ${obj.kind}, received ${String(out.kind ?? "")})`,
      );
    }
    const identity = sameIdentity(obj, out);
    if (identity) throw internal(`${prefix} returned invalid object: ${identity}`);
    const meta = restoreMeta(obj, out);
    if (meta) throw internal(`${prefix} returned invalid metadata: ${meta}`);
    return out;
  };
}

function responseProblem(body: Rec, reviewVersion: string, uid: string): string | undefined {
  if (reviewVersion === "v1") {
    const gvk = `${String(body.apiVersion ?? "")}, Kind=${String(body.kind ?? "")}`;
    if (body.apiVersion !== "apiextensions.k8s.io/v1" || body.kind !== "ConversionReview")
      return `expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${gvk}`;
  }
  if (body.response === undefined || body.response === null) return "no response provided";
  const response = rec(body.response);
  if (reviewVersion === "v1" && response.uid !== uid)
    return `expected response.uid="${uid}", got "${String(response.uid ?? "")}"`;
  const result = rec(response.result);
  if (result.status !== "Success") {
    if (typeof result.message === "string" && result.message) return result.message;
    return `response.result.status was '${String(result.status ?? "")}', not 'Success'`;
  }
  return undefined;
}

/**
 * Webhook conversion of custom resources (spec.conversion.strategy Webhook):
 * sends an apiextensions.k8s.io ConversionReview (v1, or v1beta1 when the
 * CRD lists only that) with request.uid, desiredAPIVersion and every object
 * not yet in that version — all objects of a list page in one review, as
 * upstream converts an UnstructuredList — checks the response as upstream
 * does (kind, uid, result status, object count, apiVersion and kind,
 * unchanged name/namespace/uid) and restores the original metadata except
 * labels and annotations. Failures are errors with upstream's wording,
 * `conversion webhook for <group>/<version>, Kind=<Kind> failed: ...`,
 * thrown as 500 InternalError Status ("Internal error occurred: ...").
 *
 * Asynchronous: the HTTPS call never blocks the event loop; a hanging
 * webhook delays only the requests that need it, up to the timeout.
 */
import { randomUUID } from "node:crypto";
import type { Agent } from "node:https";
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import type { CustomResourceDefinition } from "../types.ts";
import { postConversionReview, type PostRequest, type PostResult } from "./post.ts";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {};

/** Timeout of one conversion call: upstream's webhook client default (`?timeout=30s`). */
export const CONVERSION_TIMEOUT_MS = 30_000;

/** The review versions k8ts speaks, in preference order of the CRD's list. */
const REVIEW_VERSIONS = ["v1", "v1beta1"];

/** Resolves a service reference to a dialable address (rejects when it cannot). */
export type ServiceResolve = (
  namespace: string,
  name: string,
  port: number,
) => Promise<{ host: string; port: number }>;

export interface WebhookConverterDeps {
  resolveService: ServiceResolve;
  timeoutMs?: number;
  newUID?: () => string;
  /** Keep-alive connection pool for the webhook calls (default: one connection per call). */
  agent?: Agent;
  /** The HTTPS POST (default postConversionReview). */
  post?: (req: PostRequest) => Promise<PostResult>;
}

/**
 * Converts objects of one CRD to an apiVersion of its group, in input order;
 * `list` marks a list response (upstream's wording of per-item errors).
 */
export type BatchConvertFn = (
  objs: KObject[],
  toApiVersion: string,
  opts?: { list?: boolean },
) => Promise<KObject[]>;

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

async function targetOf(clientConfig: Rec, resolve: ServiceResolve) {
  const caBundle = typeof clientConfig.caBundle === "string" ? clientConfig.caBundle : "";
  const ca = caBundle ? Buffer.from(caBundle, "base64").toString("utf8") : undefined;
  if (typeof clientConfig.url === "string") return { url: new URL(clientConfig.url), ca };
  const svc = rec(clientConfig.service);
  const namespace = String(svc.namespace ?? "");
  const name = String(svc.name ?? "");
  const at = await resolve(namespace, name, Number(svc.port ?? 443));
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

/**
 * A converter calling the CRD's conversion webhook: objects already in the
 * target version are copied without a call; the others go in one review.
 */
export function webhookConverter(
  crd: CustomResourceDefinition,
  deps: WebhookConverterDeps,
): BatchConvertFn {
  const clientConfig = conversionWebhookOf(crd) ?? {};
  const reviewVersion = reviewVersionOf(crd);
  const timeoutMs = deps.timeoutMs ?? CONVERSION_TIMEOUT_MS;
  const newUID = deps.newUID ?? randomUUID;
  const post = deps.post ?? postConversionReview;
  return async (objs, toApiVersion, opts = {}) => {
    const out = objs.map((o) => structuredClone(o));
    const sent = out.flatMap((o, i) => (o.apiVersion === toApiVersion ? [] : [i]));
    if (sent.length === 0) return out;
    const first = out[sent[0]!]!;
    const prefix = `conversion webhook for ${gvkString(first)}`;
    if (!reviewVersion) throw internal("no supported conversion review versions");
    const uid = newUID();
    const review = {
      apiVersion: `apiextensions.k8s.io/${reviewVersion}`,
      kind: "ConversionReview",
      request: { uid, desiredAPIVersion: toApiVersion, objects: sent.map((i) => out[i]) },
    };
    let target;
    try {
      target = await targetOf(clientConfig, deps.resolveService);
    } catch (e) {
      throw internal(`${prefix} failed: ${(e as Error).message}`);
    }
    const url = new URL(target.url);
    url.searchParams.set("timeout", `${Math.ceil(timeoutMs / 1000)}s`);
    const answer = await post({
      url,
      body: JSON.stringify(review),
      ca: target.ca,
      servername: target.servername,
      timeoutMs,
      agent: deps.agent,
    });
    if (!answer.ok) throw internal(`${prefix} failed: Post "${url}": ${answer.error}`);
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
    if (converted.length !== sent.length)
      throw internal(`${prefix} returned ${converted.length} objects, expected ${sent.length}`);
    sent.forEach((at, j) => {
      const problem = checkConverted(out[at]!, rec(converted[j]) as KObject, toApiVersion);
      if (problem) throw internal(`${prefix} ${problemText(problem, j, opts.list === true)}`);
      out[at] = rec(converted[j]) as KObject;
    });
    return out;
  };
}

/** What is wrong with one converted object, by upstream's category. */
interface Problem {
  what: "groupVersion" | "kind" | "identity" | "metadata";
  detail: string;
}

/** Checks `out` against `original` and restores its metadata; undefined when it is fine. */
function checkConverted(
  original: KObject,
  out: KObject,
  toApiVersion: string,
): Problem | undefined {
  if (out.apiVersion !== toApiVersion) {
    return {
      what: "groupVersion",
      detail: `invalid groupVersion (expected ${toApiVersion}, received ${String(out.apiVersion ?? "")})`,
    };
  }
  if (out.kind !== original.kind) {
    return {
      what: "kind",
      detail: `invalid kind (expected ${original.kind}, received ${String(out.kind ?? "")})`,
    };
  }
  const identity = sameIdentity(original, out);
  if (identity) return { what: "identity", detail: identity };
  const meta = restoreMeta(original, out);
  if (meta) return { what: "metadata", detail: meta };
  return undefined;
}

/**
 * Upstream's wording: a single object's errors name index 0 or none; a
 * list's name the item's position counted from 1 (upstream increments its
 * index before reporting).
 */
function problemText(p: Problem, index: number, list: boolean): string {
  if (list) {
    if (p.what === "metadata")
      return `returned invalid metadata in object at index ${index + 1}: ${p.detail}`;
    return `returned invalid converted object at index ${index + 1}: ${p.detail}`;
  }
  if (p.what === "metadata") return `returned invalid metadata: ${p.detail}`;
  if (p.what === "identity") return `returned invalid object: ${p.detail}`;
  return `returned invalid object at index 0: ${p.detail}`;
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

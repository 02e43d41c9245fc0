/**
 * List and watch query parameters, parsed and checked as upstream's
 * metav1.ListOptions: selectors (400 on syntax errors and unknown fields),
 * limit/continue (the continue token is base64 JSON {v, rv, start} as
 * upstream's etcd3 store writes it, plus the count of keys left when the
 * page knew it), resourceVersion(+Match), watch knobs.
 */
import { StatusError, badRequest } from "../api/status.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import {
  parseFieldSelector,
  unknownFieldSelectorMessage,
  type FieldSelector,
} from "../api/selectors/field-selector.ts";
import { parseLabelSelector, type LabelSelector } from "../api/selectors/label-selector.ts";

export interface ContinueToken {
  rv: number;
  /** Key suffix after the list prefix; the next page starts strictly after it. */
  start: string;
  /**
   * Keys after start at rv, when the page that made the token knew it (no
   * selector): the next page subtracts what it returns instead of counting
   * the rest again (on SQLite a walk of it), so a paged walk counts once.
   * Our own field; tokens without it (or with a bad one) are counted again.
   */
  remaining?: number;
}

export interface ListOptions {
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  /** 0: no limit. */
  limit: number;
  continueToken?: ContinueToken;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  /** True when an object passes both selectors. */
  matches(obj: KObject): boolean;
}

/** Reads the value of `field` from obj for field selectors. */
export function fieldValue(def: ResourceDef, obj: KObject, field: string): string | undefined {
  if (field === "metadata.name") return obj.metadata?.name ?? "";
  if (field === "metadata.namespace") return obj.metadata?.namespace ?? "";
  return def.fieldSelectors?.[field]?.(obj);
}

/** Parses list/watch parameters for `def`; throws 400 StatusErrors. */
export function parseListOptions(
  def: ResourceDef,
  query: URLSearchParams,
  watchPath = false,
): ListOptions {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "");
  if (!labels.ok) throw badRequest(labels.error.message);
  const fields = parseFieldSelector(query.get("fieldSelector") ?? "");
  if (!fields.ok) throw badRequest(fields.error.message);
  const customFields = Object.keys(def.fieldSelectors ?? {}).length > 0;
  for (const f of fields.selector.fields()) {
    if (f === "metadata.name" || f === "metadata.namespace" || def.fieldSelectors?.[f]) continue;
    throw badRequest(unknownFieldSelectorMessage(f, { customFields }));
  }
  const labelSelector = labels.selector;
  const fieldSelector = fields.selector;

  const limit = intParam(query, "limit") ?? 0;
  if (limit < 0)
    throw badRequest(`limit: Invalid value: ${limit}: must be greater than or equal to 0`);
  const rawContinue = query.get("continue") ?? "";
  const continueToken = rawContinue ? decodeContinue(rawContinue) : undefined;
  const resourceVersion = query.get("resourceVersion") ?? undefined;
  if (resourceVersion !== undefined && resourceVersion !== "" && !/^\d+$/.test(resourceVersion)) {
    throw badRequest(
      `Invalid value: ${JSON.stringify(resourceVersion)}: resourceVersion: must be a non-negative integer`,
    );
  }
  const rvm = query.get("resourceVersionMatch") ?? "";
  if (rvm !== "" && rvm !== "Exact" && rvm !== "NotOlderThan") {
    throw invalidListOptions(
      "resourceVersionMatch",
      rvm,
      'supported values: "Exact", "NotOlderThan", ""',
    );
  }
  const sie = query.get("sendInitialEvents");
  if (sie !== null) {
    const isWatch = query.get("watch") === "true" || query.get("watch") === "1" || watchPath;
    if (!isWatch)
      throw invalidListOptions("sendInitialEvents", sie, "sendInitialEvents is forbidden for list");
    if (rvm !== "NotOlderThan") {
      throw invalidListOptions(
        "resourceVersionMatch",
        rvm,
        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
      );
    }
    if ((sie === "true" || sie === "1") && !boolParam(query, "allowWatchBookmarks")) {
      throw invalidListOptions(
        "allowWatchBookmarks",
        "false",
        "sendInitialEvents requires setting allowWatchBookmarks to true",
      );
    }
  } else if (rvm && !resourceVersion) {
    throw invalidListOptions(
      "resourceVersionMatch",
      rvm,
      "resourceVersionMatch is forbidden unless resourceVersion is provided",
    );
  }
  if (continueToken && rvm) {
    throw invalidListOptions(
      "resourceVersionMatch",
      rvm,
      "resourceVersionMatch is forbidden when continue is provided",
    );
  }
  if (rvm === "Exact" && resourceVersion === "0") {
    throw invalidListOptions(
      "resourceVersionMatch",
      rvm,
      'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
  }
  const timeoutSeconds = intParam(query, "timeoutSeconds");
  if (timeoutSeconds !== undefined && timeoutSeconds < 0) {
    throw badRequest(
      `timeoutSeconds: Invalid value: ${timeoutSeconds}: must be greater than or equal to 0`,
    );
  }
  return {
    labelSelector,
    fieldSelector,
    limit,
    continueToken,
    resourceVersion: resourceVersion || undefined,
    resourceVersionMatch: (rvm || undefined) as ListOptions["resourceVersionMatch"],
    timeoutSeconds,
    allowWatchBookmarks: boolParam(query, "allowWatchBookmarks"),
    sendInitialEvents: sie === null ? undefined : sie === "true" || sie === "1",
    matches: (obj) =>
      labelSelector.matches(obj.metadata?.labels) &&
      (fieldSelector.isEmpty() || fieldSelector.matches((f) => fieldValue(def, obj, f))),
  };
}

function invalidListOptions(field: string, value: string, detail: string): StatusError {
  return new StatusError(
    "Invalid",
    `ListOptions.meta.k8s.io "" is invalid: ${field}: Invalid value: "${value}": ${detail}`,
    {
      kind: "ListOptions",
      group: "meta.k8s.io",
      causes: [
        { reason: "FieldValueInvalid", message: `Invalid value: "${value}": ${detail}`, field },
      ],
    },
  );
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^-?\d+$/.test(raw))
    throw badRequest(`${name}: Invalid value: "${raw}": must be an integer`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw badRequest(`${name}: Invalid value: "${raw}": out of range`);
  return n;
}

function boolParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  return raw === "true" || raw === "1";
}

/**
 * Encodes a continue token as upstream: base64(JSON {"v":"meta.k8s.io/v1",
 * "rv":N,"start":"<suffix>\u0000"}), with "remaining" when known.
 */
export function encodeContinue(rv: number, lastKeySuffix: string, remaining?: number): string {
  const token = { v: "meta.k8s.io/v1", rv, start: `${lastKeySuffix}\u0000`, remaining };
  return Buffer.from(JSON.stringify(token)).toString("base64");
}

/** Decodes a continue token; 400 when malformed. */
export function decodeContinue(token: string): ContinueToken {
  const fail = (why: string) => badRequest(`continue key is not valid: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw fail("illegal base64 data or JSON");
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown; remaining?: unknown };
  if (!p || typeof p !== "object" || p.v !== "meta.k8s.io/v1")
    throw fail("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (typeof p.rv !== "number" || !Number.isSafeInteger(p.rv) || p.rv <= 0)
    throw fail("incorrect encoded start resourceVersion");
  if (
    typeof p.start !== "string" ||
    p.start === "" ||
    p.start.includes("..") ||
    p.start.startsWith("/")
  ) {
    throw fail("invalid start key");
  }
  const start = p.start.endsWith("\u0000") ? p.start.slice(0, -1) : p.start;
  const remaining = p.remaining;
  if (typeof remaining !== "number" || !Number.isSafeInteger(remaining) || remaining < 0)
    return { rv: p.rv, start };
  return { rv: p.rv, start, remaining };
}

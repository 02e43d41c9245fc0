/**
 * The query and path parameters of the Kubernetes REST operations, as they
 * appear (inline) in /openapi/v3 documents. kubectl decides to leave field
 * validation to the server when a PATCH operation lists `fieldValidation`.
 */
import type { OpenAPIObject } from "./openapi-schemas.ts";

function query(name: string, description: string, type = "string"): OpenAPIObject {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

export const PARAMS = {
  pretty: query("pretty", "If 'true', the output is pretty printed."),
  dryRun: query(
    "dryRun",
    "When set to All, every stage of the request runs but nothing is persisted.",
  ),
  fieldManager: query("fieldManager", "Name of the actor making the change, for field tracking."),
  fieldValidation: query(
    "fieldValidation",
    "How the server treats unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict.",
  ),
  force: query(
    "force",
    "Take ownership of conflicting fields on an apply patch; not allowed on other patches.",
    "boolean",
  ),
  allowWatchBookmarks: query(
    "allowWatchBookmarks",
    "Ask for BOOKMARK events in a watch.",
    "boolean",
  ),
  continue: query("continue", "Token from a previous paged list to fetch the next page."),
  fieldSelector: query("fieldSelector", "Restrict results by their fields."),
  labelSelector: query("labelSelector", "Restrict results by their labels."),
  limit: query("limit", "Most results to return in one page.", "integer"),
  resourceVersion: query("resourceVersion", "Which version of the data a read may be served from."),
  resourceVersionMatch: query("resourceVersionMatch", "How resourceVersion is applied to a list."),
  sendInitialEvents: query(
    "sendInitialEvents",
    "With watch, start with synthetic ADDED events for the current state.",
    "boolean",
  ),
  timeoutSeconds: query("timeoutSeconds", "Time limit for a list or watch call.", "integer"),
  watch: query("watch", "Watch for changes instead of listing.", "boolean"),
  gracePeriodSeconds: query(
    "gracePeriodSeconds",
    "Seconds to wait before the object is deleted; 0 deletes immediately.",
    "integer",
  ),
  ignoreStoreReadErrorWithClusterBreakingPotential: query(
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "Delete an object that cannot be read from storage; unsafe.",
    "boolean",
  ),
  orphanDependents: query(
    "orphanDependents",
    "Deprecated: use propagationPolicy. Whether dependents are orphaned.",
    "boolean",
  ),
  propagationPolicy: query(
    "propagationPolicy",
    "Garbage collection of dependents: Orphan, Background or Foreground.",
  ),
} satisfies Record<string, OpenAPIObject>;

/** Path parameter `{name}` or `{namespace}`. */
export function pathParam(name: "name" | "namespace", kind: string): OpenAPIObject {
  const description = name === "name" ? `name of the ${kind}` : "object name and auth scope";
  return {
    name,
    in: "path",
    required: true,
    description,
    schema: { type: "string", uniqueItems: true },
  };
}

const LIST = [
  PARAMS.allowWatchBookmarks,
  PARAMS.continue,
  PARAMS.fieldSelector,
  PARAMS.labelSelector,
  PARAMS.limit,
  PARAMS.resourceVersion,
  PARAMS.resourceVersionMatch,
  PARAMS.sendInitialEvents,
  PARAMS.timeoutSeconds,
  PARAMS.watch,
];
const WRITE = [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation];
const DELETE = [
  PARAMS.dryRun,
  PARAMS.gracePeriodSeconds,
  PARAMS.ignoreStoreReadErrorWithClusterBreakingPotential,
  PARAMS.orphanDependents,
  PARAMS.propagationPolicy,
];

/** Operation-level query parameters by Kubernetes action. */
export const ACTION_PARAMS: Record<string, OpenAPIObject[]> = {
  list: LIST,
  get: [],
  post: WRITE,
  put: WRITE,
  patch: [...WRITE, PARAMS.force],
  delete: DELETE,
  deletecollection: [...DELETE, ...LIST],
  connect: [],
};

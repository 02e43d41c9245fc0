/**
 * Parses a request path into upstream's RequestInfo: which API, group,
 * version, namespace, resource, name and subresource it addresses, and the
 * Kubernetes verb (get/list/watch/create/update/patch/delete/deletecollection).
 */

export interface RequestInfo {
  /** True for /api/v1/... and /apis/<g>/<v>/... paths addressing a resource. */
  isResourceRequest: boolean;
  path: string;
  /** Kubernetes verb for resource requests, else the lowercased HTTP method. */
  verb: string;
  /** "api" or "apis" for resource requests. */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the resource (for proxy-like subresources). */
  parts: string[];
}

/** Subresources of namespaces that are not namespaced resources in their own right. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** Builds the RequestInfo for an HTTP method, a decoded path and the query string. */
export function parseRequestInfo(
  method: string,
  path: string,
  query: URLSearchParams,
): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: "",
    apiGroup: "",
    apiVersion: "",
    namespace: "",
    resource: "",
    subresource: "",
    name: "",
    parts: [],
  };
  const segments = path.split("/").filter((s) => s !== "");
  if (segments.length === 0) return info;
  const prefix = segments[0];
  let rest: string[];
  if (prefix === "api") {
    if (segments.length < 3) return info;
    info.apiVersion = segments[1];
    rest = segments.slice(2);
  } else if (prefix === "apis") {
    if (segments.length < 4) return info;
    info.apiGroup = segments[1];
    info.apiVersion = segments[2];
    rest = segments.slice(3);
  } else {
    return info;
  }
  info.apiPrefix = prefix;
  info.isResourceRequest = true;

  let verb: string;
  switch (method.toUpperCase()) {
    case "POST":
      verb = "create";
      break;
    case "GET":
    case "HEAD":
      verb = "get";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = "delete";
      break;
    default:
      verb = method.toLowerCase();
  }
  // Legacy /watch/ prefix.
  if (rest[0] === "watch") {
    if (verb === "get") verb = "watch";
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces") {
    if (rest.length > 1) {
      info.namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }
  info.resource = rest[0] ?? "";
  if (rest.length >= 2) info.name = rest[1];
  if (rest.length >= 3) info.subresource = rest[2];
  info.parts = rest.slice(3);
  if (info.resource === "namespaces" && info.name === "" && info.namespace !== "") {
    info.name = info.namespace;
  }

  if (info.name === "") {
    if (verb === "get") verb = isWatchQuery(query) ? "watch" : "list";
    else if (verb === "delete") verb = "deletecollection";
  } else if (verb === "get" && isWatchQuery(query) && info.subresource === "") {
    // GET /namespaces/ns/pods/name?watch=true: a watch narrowed to one name.
    verb = "watch";
  }
  info.verb = verb;
  return info;
}

function isWatchQuery(query: URLSearchParams): boolean {
  const w = query.get("watch");
  return w === "true" || w === "1";
}

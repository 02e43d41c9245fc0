/**
 * NamespaceLifecycle admission, as upstream: new objects need an existing
 * namespace (404 otherwise) that is not terminating (403).
 */
import { StatusError, notFound, qualifiedResource } from "../../api/status.ts";
import type { Registry } from "../../api/registry.ts";
import type { KObject } from "../../api/types.ts";
import type { ServerContext } from "../context.ts";
import { cachedOrStored } from "../object-cache.ts";
import { thenNow } from "./then-now.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../pipeline.ts";

/**
 * Namespaces are read from the server's shared namespace cache (upstream's
 * informer lister); one the cache does not hold yet is looked up in storage,
 * so a namespace created a moment ago is never reported missing.
 */
export function namespaceLifecycle(
  server: () => ServerContext,
  registry: Registry,
): AdmissionPlugin {
  const namespaces = registry.get("", "v1", "namespaces")!;
  return {
    name: "NamespaceLifecycle",
    admit(attrs) {
      if (attrs.operation !== "CREATE" || !attrs.def.namespaced || attrs.subresource !== "") return;
      // The namespace as the cache holds it now (the usual case): no promise.
      return thenNow(cachedOrStored(server(), namespaces, "", attrs.namespace), (ns) => {
        if (!ns) throw notFound("", "namespaces", attrs.namespace);
        checkActive(attrs, ns);
      });
    },
  };
}

/** 403 when the namespace is terminating. */
function checkActive(attrs: AdmissionAttributes, ns: KObject): void {
  const terminating =
    ns.metadata?.deletionTimestamp !== undefined ||
    (ns.status as { phase?: string } | undefined)?.phase === "Terminating";
  if (!terminating) return;
  const resource = qualifiedResource(attrs.def.group, attrs.def.resource);
  throw new StatusError(
    "Forbidden",
    `${resource} "${attrs.name}" is forbidden: unable to create new content in namespace ${attrs.namespace} because it is being terminated`,
    {
      name: attrs.name,
      group: attrs.def.group || undefined,
      kind: attrs.def.resource,
      causes: [
        {
          reason: "NamespaceTerminating",
          message: `namespace ${attrs.namespace} is being terminated`,
          field: "metadata.namespace",
        },
      ],
    },
  );
}

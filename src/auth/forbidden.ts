/**
 * Upstream's 401 and 403 Status errors, word for word:
 *   pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"
 *   nodes "n1" is forbidden: User "jane" cannot get resource "nodes" in API group "" at the cluster scope
 *   forbidden: User "jane" cannot get path "/metrics"
 * with ": <reason>" appended when the authorizer gave one.
 */
import { StatusError } from "../api/status.ts";
import type { AuthzAttributes } from "./types.ts";

/** 401 Unauthorized, as upstream's authentication failure (no detail revealed). */
export function unauthorized(): StatusError {
  return new StatusError("Unauthorized", "Unauthorized");
}

/** The "User ... cannot ..." sentence of a denial. */
export function denialSentence(attrs: AuthzAttributes, reason: string): string {
  let msg: string;
  if (attrs.isResourceRequest) {
    const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace
      ? ` in the namespace "${attrs.namespace}"`
      : " at the cluster scope";
    msg = `User "${attrs.user.username}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}"${scope}`;
  } else {
    msg = `User "${attrs.user.username}" cannot ${attrs.verb} path "${attrs.path}"`;
  }
  return reason ? `${msg}: ${reason}` : msg;
}

/** A 403 Forbidden Status for a denied request. */
export function forbidden(attrs: AuthzAttributes, reason: string): StatusError {
  const sentence = denialSentence(attrs, reason);
  if (!attrs.isResourceRequest) return new StatusError("Forbidden", `forbidden: ${sentence}`, {});
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  return new StatusError("Forbidden", `${subject} is forbidden: ${sentence}`, {
    name: attrs.name || undefined,
    group: attrs.apiGroup || undefined,
    kind: attrs.resource,
  });
}

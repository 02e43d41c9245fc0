/**
 * Builders for the subresource declarations shared by many resources, with
 * the kinds and verbs upstream discovery reports for them.
 */
import type { SubresourceDef, Verb } from "../types.ts";

const READ_WRITE: Verb[] = ["get", "patch", "update"];
const PROXY_VERBS: Verb[] = ["create", "delete", "get", "patch", "update"];

/** `<resource>/status`: the same kind as the parent, get/patch/update. */
export function statusSubresource(kind: string): SubresourceDef {
  return { name: "status", kind, verbs: [...READ_WRITE] };
}

/** `<resource>/scale`: autoscaling/v1 Scale, get/patch/update. */
export function scaleSubresource(): SubresourceDef {
  return {
    name: "scale",
    kind: "Scale",
    group: "autoscaling",
    version: "v1",
    verbs: [...READ_WRITE],
  };
}

/** `<resource>/proxy`: the parent's `<Kind>ProxyOptions`, every connect verb. */
export function proxySubresource(kind: string): SubresourceDef {
  return { name: "proxy", kind: `${kind}ProxyOptions`, verbs: [...PROXY_VERBS] };
}

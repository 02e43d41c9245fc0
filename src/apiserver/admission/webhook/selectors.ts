/**
 * namespaceSelector and objectSelector matching, as upstream's webhook and
 * policy matchers: cluster-scoped objects (other than namespaces) always
 * match a namespace selector; a namespace is matched by its own labels; an
 * object selector matches when the new or the old object's labels match.
 */
import type { KObject } from "../../../api/types.ts";
import { selectorIsEmpty, selectorMatches } from "../../../api/validation/object-meta.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";

/** Reads a namespace object (undefined when absent). */
export type NamespaceGetter = (name: string) => Promise<KObject | undefined>;

const isNamespaceRequest = (attrs: AdmissionAttributes) =>
  attrs.def.group === "" && attrs.def.resource === "namespaces";

/** The namespace object a namespaced request belongs to (the namespace itself for namespaces). */
export async function namespaceObjectOf(
  attrs: AdmissionAttributes,
  getNamespace: NamespaceGetter,
): Promise<KObject | undefined> {
  if (isNamespaceRequest(attrs)) return attrs.object ?? attrs.oldObject;
  if (!attrs.namespace) return undefined;
  return getNamespace(attrs.namespace);
}

/** Whether the request's namespace matches `selector`. */
export async function namespaceMatches(
  selector: unknown,
  attrs: AdmissionAttributes,
  getNamespace: NamespaceGetter,
): Promise<boolean> {
  if (selector === undefined || selector === null || selectorIsEmpty(selector)) return true;
  if (!attrs.def.namespaced && !isNamespaceRequest(attrs)) return true;
  const ns = await namespaceObjectOf(attrs, getNamespace);
  return selectorMatches(selector, ns?.metadata?.labels ?? {});
}

/** Whether the new or old object's labels match `selector` (absent objects never match). */
export function objectMatches(selector: unknown, attrs: AdmissionAttributes): boolean {
  if (selector === undefined || selector === null || selectorIsEmpty(selector)) return true;
  return [attrs.object, attrs.oldObject].some(
    (o) => o !== undefined && selectorMatches(selector, o.metadata?.labels ?? {}),
  );
}

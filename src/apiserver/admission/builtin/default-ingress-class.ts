/**
 * DefaultIngressClass admission, as upstream: an Ingress created without
 * spec.ingressClassName (and without the legacy kubernetes.io/ingress.class
 * annotation) gets the IngressClass annotated
 * ingressclass.kubernetes.io/is-default-class=true; with several, the newest.
 */
import type { KObject } from "../../../api/types.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { isCreateOf, newestDefault } from "./default-class.ts";
import type { ServerRef } from "./server-ref.ts";

export const IS_DEFAULT_INGRESS_CLASS = "ingressclass.kubernetes.io/is-default-class";

/** The default class: newest creationTimestamp, then name. */
export function defaultIngressClass(classes: KObject[]): KObject | undefined {
  return newestDefault(classes, (a) => a[IS_DEFAULT_INGRESS_CLASS] === "true");
}

export function defaultIngressClassPlugin(server: ServerRef): AdmissionPlugin {
  return {
    name: "DefaultIngressClass",
    admit(attrs) {
      if (!isCreateOf(attrs, "networking.k8s.io", "ingresses")) return;
      return setDefaultClass(attrs);
    },
  };

  async function setDefaultClass(attrs: AdmissionAttributes): Promise<void> {
    const spec = (attrs.object!.spec ??= {}) as { ingressClassName?: string | null };
    if (spec.ingressClassName) return;
    if (attrs.object!.metadata?.annotations?.["kubernetes.io/ingress.class"] !== undefined) return;
    const s = await server.get();
    const def = s.registry.get("networking.k8s.io", "v1", "ingressclasses");
    if (!def) return;
    const ic = defaultIngressClass(
      (await s.store.list(def, undefined, {})).items.map((i) => i.obj),
    );
    if (ic) spec.ingressClassName = ic.metadata?.name;
  }
}

/**
 * DefaultIngressClass admission, as upstream: an Ingress created without
 * spec.ingressClassName (and without the legacy kubernetes.io/ingress.class
 * annotation) gets the IngressClass annotated
 * ingressclass.kubernetes.io/is-default-class=true; with several, the newest.
 */
import type { KObject } from "../../../api/types.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import type { ServerRef } from "./server-ref.ts";

export const IS_DEFAULT_INGRESS_CLASS = "ingressclass.kubernetes.io/is-default-class";

/** The default class: newest creationTimestamp, then name. */
export function defaultIngressClass(classes: KObject[]): KObject | undefined {
  return classes
    .filter((c) => c.metadata?.annotations?.[IS_DEFAULT_INGRESS_CLASS] === "true")
    .sort((a, b) => {
      const ta = Date.parse(a.metadata?.creationTimestamp ?? "") || 0;
      const tb = Date.parse(b.metadata?.creationTimestamp ?? "") || 0;
      if (ta !== tb) return tb - ta;
      return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
    })[0];
}

export function defaultIngressClassPlugin(server: ServerRef): AdmissionPlugin {
  return {
    name: "DefaultIngressClass",
    admit(attrs) {
      if (
        attrs.operation !== "CREATE" ||
        attrs.subresource !== "" ||
        !attrs.object ||
        attrs.def.group !== "networking.k8s.io" ||
        attrs.def.resource !== "ingresses"
      )
        return;
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

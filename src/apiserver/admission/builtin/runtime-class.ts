/**
 * RuntimeClass admission, as upstream: a pod naming spec.runtimeClassName
 * must name an existing RuntimeClass (403 otherwise); it gets the class's
 * overhead.podFixed as spec.overhead (403 when it states a different one) and
 * the class's scheduling nodeSelector and tolerations merged into its own.
 */
import type { KObject } from "../../../api/types.ts";
import { canonicalJSON } from "../../../controllers/util/hash.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { admissionForbidden, isPodWrite } from "./admission-error.ts";
import type { ServerRef } from "./server-ref.ts";

type Toleration = Record<string, unknown>;
type RuntimeClass = KObject & {
  overhead?: { podFixed?: Record<string, string> };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
};
type PodSpec = {
  runtimeClassName?: string;
  overhead?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
};

export function runtimeClassPlugin(server: ServerRef): AdmissionPlugin {
  return {
    name: "RuntimeClass",
    admit(attrs) {
      if (!isPodWrite(attrs) || !(attrs.object!.spec as PodSpec | undefined)?.runtimeClassName)
        return;
      return admitRuntimeClass(attrs);
    },
  };

  async function admitRuntimeClass(attrs: AdmissionAttributes): Promise<void> {
    const spec = attrs.object!.spec as PodSpec & { runtimeClassName: string };
    const s = await server.get();
    const def = s.registry.get("node.k8s.io", "v1", "runtimeclasses");
    const rc = (def ? await s.store.tryGet(def, "", spec.runtimeClassName) : undefined) as
      RuntimeClass | undefined;
    if (!rc)
      throw admissionForbidden(
        attrs,
        `pod rejected: RuntimeClass "${spec.runtimeClassName}" not found`,
      );
    const fixed = rc.overhead?.podFixed;
    if (fixed) {
      if (spec.overhead && canonicalJSON(spec.overhead) !== canonicalJSON(fixed))
        throw admissionForbidden(
          attrs,
          "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead",
        );
      spec.overhead = { ...fixed };
    }
    const selector = rc.scheduling?.nodeSelector ?? {};
    for (const [k, v] of Object.entries(selector)) {
      const mine = spec.nodeSelector?.[k];
      if (mine !== undefined && mine !== v)
        throw admissionForbidden(
          attrs,
          `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${mine}`,
        );
    }
    if (Object.keys(selector).length)
      spec.nodeSelector = { ...(spec.nodeSelector ?? {}), ...selector };
    const tolerations = spec.tolerations ?? [];
    const extra = (rc.scheduling?.tolerations ?? []).filter(
      (t) => !tolerations.some((u) => canonicalJSON(u) === canonicalJSON(t)),
    );
    if (extra.length) spec.tolerations = [...tolerations, ...extra];
  }
}

/**
 * autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers: one stored
 * object (autoscaling/v2), served in both versions through convertHPA.
 */
import type { ResourceDef } from "../types.ts";
import { statusSubresource } from "./subresources.ts";
import { convertHPA } from "./autoscaling-conversion.ts";
import { statusSplit } from "../defaults/status.ts";
import { defaultHPAv1, defaultHPAv2 } from "../defaults/groups.ts";
import { validateHPA } from "../validation/autoscaling.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";

/** Both served versions of horizontalpodautoscalers. */
export function autoscalingResources(): ResourceDef[] {
  const storage = { group: "autoscaling", resource: "horizontalpodautoscalers", version: "v2" };
  return ["v2", "v1"].map((version): ResourceDef => ({
    group: "autoscaling",
    version,
    resource: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    categories: ["all"],
    subresources: [statusSubresource("HorizontalPodAutoscaler")],
    storage,
    convert: convertHPA,
    strategy: {
      defaults: version === "v1" ? defaultHPAv1 : defaultHPAv2,
      validate: validateHPA,
      validateUpdate: validateMetaUpdate,
      ...statusSplit({ statusOnCreate: () => ({ currentReplicas: 0, desiredReplicas: 0 }) }),
      validateStatusUpdate: validateMetaUpdate,
    },
    hasGeneration: false,
  }));
}

/** HorizontalPodAutoscaler validation (autoscaling/v1 and v2 objects), as upstream. */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { nameIsDNSSubdomain, validatePathSegmentName } from "./names.ts";
import { obj, objects, str } from "./field.ts";
import { validateObjectMeta } from "./object-meta.ts";

const METRIC_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];

/** An HPA in either version: scale target, replica bounds, metrics. */
export function validateHPA(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const spec = obj(o.spec);
  const ref = obj(spec.scaleTargetRef);
  if (!str(ref.kind)) errs.push(fieldErrors.required("spec.scaleTargetRef.kind"));
  else
    for (const msg of validatePathSegmentName(str(ref.kind), false))
      errs.push(fieldErrors.invalid("spec.scaleTargetRef.kind", ref.kind, msg));
  if (!str(ref.name)) errs.push(fieldErrors.required("spec.scaleTargetRef.name"));
  else
    for (const msg of validatePathSegmentName(str(ref.name), false))
      errs.push(fieldErrors.invalid("spec.scaleTargetRef.name", ref.name, msg));
  const min = spec.minReplicas;
  if (typeof min === "number" && min < 1) {
    errs.push(fieldErrors.invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
  }
  const max = spec.maxReplicas;
  if (typeof max !== "number" || max < 1)
    errs.push(fieldErrors.invalid("spec.maxReplicas", max ?? 0, "must be greater than 0"));
  else if (typeof min === "number" && max < min) {
    errs.push(
      fieldErrors.invalid(
        "spec.maxReplicas",
        max,
        "must be greater than or equal to `minReplicas`",
      ),
    );
  }
  const cpu = spec.targetCPUUtilizationPercentage;
  if (typeof cpu === "number" && cpu < 1) {
    errs.push(
      fieldErrors.invalid("spec.targetCPUUtilizationPercentage", cpu, "must be greater than 0"),
    );
  }
  objects(spec.metrics).forEach((m, i) => {
    const path = `spec.metrics[${i}]`;
    if (!str(m.type))
      errs.push(fieldErrors.required(`${path}.type`, "must specify a metric source type"));
    else if (!METRIC_TYPES.includes(str(m.type)))
      errs.push(fieldErrors.notSupported(`${path}.type`, m.type, METRIC_TYPES));
    if (m.type === "Resource" && !str(obj(m.resource).name)) {
      errs.push(fieldErrors.required(`${path}.resource.name`, "must specify a resource name"));
    }
  });
  return errs;
}

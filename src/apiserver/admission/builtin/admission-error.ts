/** Errors admission plugins return, shaped as upstream's admission.NewForbidden. */
import { StatusError, qualifiedResource } from "../../../api/status.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";

/** 403 `<resource> "<name>" is forbidden: <message>`. */
export function admissionForbidden(attrs: AdmissionAttributes, message: string): StatusError {
  const resource = qualifiedResource(attrs.def.group, attrs.def.resource);
  const name = attrs.name || attrs.object?.metadata?.name || "";
  return new StatusError("Forbidden", `${resource} "${name}" is forbidden: ${message}`, {
    name: name || undefined,
    group: attrs.def.group || undefined,
    kind: attrs.def.resource,
  });
}

/** Whether attrs is a write of the main pods resource (not a subresource). */
export function isPodWrite(attrs: AdmissionAttributes, ops: string[] = ["CREATE"]): boolean {
  return (
    attrs.def.group === "" &&
    attrs.def.resource === "pods" &&
    attrs.subresource === "" &&
    ops.includes(attrs.operation) &&
    attrs.object !== undefined
  );
}

/** Adds a warning to the response when the pipeline carries a warnings list. */
export function addWarning(attrs: AdmissionAttributes, warning: string): void {
  const warnings = (attrs as { warnings?: string[] }).warnings;
  if (Array.isArray(warnings)) warnings.push(warning);
}

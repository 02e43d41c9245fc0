/** Probe and container restartPolicy checks, as upstream's validateProbe / validateInitContainerRestartPolicy. */
import { fieldErrors, type FieldError } from "../status.ts";
import { isObject } from "./field.ts";
import { validateNonnegative } from "./field.ts";

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];

/** One probe at `field`: exactly one handler; liveness/startup successThreshold must be 1. */
export function validateProbe(
  probe: unknown,
  field: string,
  kind: "liveness" | "readiness" | "startup",
): FieldError[] {
  if (!isObject(probe)) return [];
  const errs: FieldError[] = [];
  const handlers = HANDLERS.filter((h) => isObject(probe[h]));
  if (handlers.length === 0) errs.push(fieldErrors.required(field, "must specify a handler type"));
  else if (handlers.length > 1) {
    errs.push(
      fieldErrors.forbidden(`${field}.${handlers[1]}`, "may not specify more than 1 handler type"),
    );
  }
  for (const k of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ]) {
    errs.push(...validateNonnegative(`${field}.${k}`, probe[k]));
  }
  if (
    kind !== "readiness" &&
    typeof probe.successThreshold === "number" &&
    probe.successThreshold !== 1
  ) {
    errs.push(
      fieldErrors.invalid(`${field}.successThreshold`, probe.successThreshold, "must be 1"),
    );
  }
  return errs;
}

/** Every probe of a container. */
export function validateProbes(c: Record<string, unknown>, path: string): FieldError[] {
  return [
    ...validateProbe(c.livenessProbe, `${path}.livenessProbe`, "liveness"),
    ...validateProbe(c.readinessProbe, `${path}.readinessProbe`, "readiness"),
    ...validateProbe(c.startupProbe, `${path}.startupProbe`, "startup"),
  ];
}

/**
 * Container-level restartPolicy: only "Always" on init containers (sidecars),
 * forbidden on regular containers.
 */
export function validateContainerRestartPolicy(
  c: Record<string, unknown>,
  path: string,
  init: boolean,
): FieldError[] {
  const policy = c.restartPolicy;
  if (policy === undefined || policy === null) return [];
  if (!init)
    return [
      fieldErrors.forbidden(`${path}.restartPolicy`, "may not be set for non-init containers"),
    ];
  return policy === "Always"
    ? []
    : [fieldErrors.notSupported(`${path}.restartPolicy`, policy, ["Always"])];
}

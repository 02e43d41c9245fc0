/**
 * Validation of the smaller API groups: PodDisruptionBudget, Lease,
 * EndpointSlice, StorageClass, PriorityClass, RuntimeClass and
 * events.k8s.io/v1 Event, as upstream.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { isDNS1123Label, isQualifiedName, nameIsDNSSubdomain } from "./names.ts";
import {
  deepEqual,
  obj,
  objects,
  optionalEnum,
  str,
  validateImmutable,
  validateNonnegative,
} from "./field.ts";
import { validateLabelSelector, validateObjectMeta } from "./object-meta.ts";
import { validateIntOrPercent } from "./int-or-percent.ts";
import { SUPPORTED_PROTOCOLS } from "./container.ts";
import { endpointIPErrors } from "./endpoint-ip.ts";
import { isIP } from "node:net";
import { SYSTEM_PRIORITY_CLASSES } from "../defaults/pod.ts";

const meta = (o: KObject, namespaced: boolean) =>
  validateObjectMeta(o, { namespaced, nameFn: nameIsDNSSubdomain });

/** A PodDisruptionBudget. */
export function validatePodDisruptionBudget(o: KObject): FieldError[] {
  const errs = meta(o, true);
  const spec = obj(o.spec);
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  if (min !== undefined && min !== null && max !== undefined && max !== null) {
    errs.push(
      fieldErrors.invalid(
        "spec.minAvailable",
        min,
        "minAvailable and maxUnavailable cannot be both set",
      ),
    );
  }
  errs.push(...validateIntOrPercent(min, "spec.minAvailable", true));
  errs.push(...validateIntOrPercent(max, "spec.maxUnavailable", true));
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== "AlwaysAllow" && policy !== "IfHealthyBudget") {
    errs.push(
      fieldErrors.notSupported("spec.unhealthyPodEvictionPolicy", policy, [
        "AlwaysAllow",
        "IfHealthyBudget",
      ]),
    );
  }
  return errs;
}

/** A Lease. */
export function validateLease(o: KObject): FieldError[] {
  const errs = meta(o, true);
  const spec = obj(o.spec);
  if (typeof spec.leaseDurationSeconds === "number" && spec.leaseDurationSeconds <= 0) {
    errs.push(
      fieldErrors.invalid(
        "spec.leaseDurationSeconds",
        spec.leaseDurationSeconds,
        "must be greater than 0",
      ),
    );
  }
  errs.push(...validateNonnegative("spec.leaseTransitions", spec.leaseTransitions));
  return errs;
}

const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];

/** An EndpointSlice. */
export function validateEndpointSlice(o: KObject): FieldError[] {
  const errs = meta(o, true);
  const type = str(o.addressType);
  if (!type) errs.push(fieldErrors.required("addressType"));
  else if (!ADDRESS_TYPES.includes(type))
    errs.push(fieldErrors.notSupported("addressType", type, ADDRESS_TYPES));
  objects(o.endpoints).forEach((e, i) => {
    const n = Array.isArray(e.addresses) ? e.addresses.length : 0;
    if (n === 0)
      errs.push(
        fieldErrors.required(`endpoints[${i}].addresses`, "must contain at least 1 address"),
      );
    else if (n > 100)
      errs.push(
        fieldErrors.invalid(
          `endpoints[${i}].addresses`,
          e.addresses,
          "must contain at most 100 addresses",
        ),
      );
    // IPv4/IPv6 addresses: of that family and non-special (see endpoint-ip.ts).
    const family = type === "IPv4" ? 4 : type === "IPv6" ? 6 : 0;
    if (family && Array.isArray(e.addresses))
      e.addresses.forEach((a: unknown, j: number) => {
        const at = `endpoints[${i}].addresses[${j}]`;
        if (isIP(str(a)) !== family)
          errs.push(fieldErrors.invalid(at, a, `must be a valid IPv${family} address`));
        for (const msg of endpointIPErrors(str(a))) errs.push(fieldErrors.invalid(at, a, msg));
      });
  });
  objects(o.ports).forEach((p, i) => {
    const name = str(p.name);
    // A DNS-1123 label as upstream (service port names like "80-8080" are copied here).
    if (name)
      for (const msg of isDNS1123Label(name))
        errs.push(fieldErrors.invalid(`ports[${i}].name`, name, msg));
    errs.push(...optionalEnum(`ports[${i}].protocol`, p.protocol, SUPPORTED_PROTOCOLS));
  });
  return errs;
}

/** EndpointSlice updates: addressType immutable. */
export function validateEndpointSliceUpdate(o: KObject, old: KObject): FieldError[] {
  return validateImmutable("addressType", o.addressType, old.addressType);
}

/** A StorageClass. */
export function validateStorageClass(o: KObject): FieldError[] {
  const errs = meta(o, false);
  const provisioner = str(o.provisioner);
  if (!provisioner) errs.push(fieldErrors.required("provisioner"));
  else
    for (const msg of isQualifiedName(provisioner.toLowerCase()))
      errs.push(fieldErrors.invalid("provisioner", provisioner, msg));
  errs.push(...optionalEnum("reclaimPolicy", o.reclaimPolicy, ["Delete", "Retain"]));
  errs.push(
    ...optionalEnum("volumeBindingMode", o.volumeBindingMode, [
      "Immediate",
      "WaitForFirstConsumer",
    ]),
  );
  return errs;
}

/** StorageClass updates: parameters, provisioner, reclaimPolicy and volumeBindingMode are fixed. */
export function validateStorageClassUpdate(o: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(o.parameters, old.parameters))
    errs.push(fieldErrors.forbidden("parameters", "updates to parameters are forbidden."));
  if (o.provisioner !== old.provisioner)
    errs.push(fieldErrors.forbidden("provisioner", "updates to provisioner are forbidden."));
  if (o.reclaimPolicy !== old.reclaimPolicy)
    errs.push(fieldErrors.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  errs.push(...validateImmutable("volumeBindingMode", o.volumeBindingMode, old.volumeBindingMode));
  return errs;
}

/** A PriorityClass: "system-" names reserved, value bounded for user classes. */
export function validatePriorityClass(o: KObject): FieldError[] {
  const errs = meta(o, false);
  const name = str(obj(o.metadata).name);
  if (name.startsWith("system-")) {
    if (!(name in SYSTEM_PRIORITY_CLASSES) || o.value !== SYSTEM_PRIORITY_CLASSES[name]) {
      errs.push(
        fieldErrors.forbidden(
          "metadata.name",
          "priority class names with 'system-' prefix are reserved",
        ),
      );
    }
  } else if (typeof o.value === "number" && o.value > 1000000000) {
    errs.push(
      fieldErrors.forbidden(
        "value",
        "maximum allowed value of a user defined priority is 1000000000",
      ),
    );
  }
  errs.push(
    ...optionalEnum("preemptionPolicy", o.preemptionPolicy, ["Never", "PreemptLowerPriority"]),
  );
  return errs;
}

/** PriorityClass updates: value and preemptionPolicy fixed. */
export function validatePriorityClassUpdate(o: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (o.value !== old.value)
    errs.push(fieldErrors.forbidden("value", "may not be changed in an update."));
  errs.push(...validateImmutable("preemptionPolicy", o.preemptionPolicy, old.preemptionPolicy));
  return errs;
}

/** A RuntimeClass: handler a DNS-1123 label. */
export function validateRuntimeClass(o: KObject): FieldError[] {
  const errs = meta(o, false);
  for (const msg of isDNS1123Label(str(o.handler)))
    errs.push(fieldErrors.invalid("handler", str(o.handler), msg));
  return errs;
}

/** RuntimeClass updates: handler immutable. */
export function validateRuntimeClassUpdate(o: KObject, old: KObject): FieldError[] {
  return validateImmutable("handler", o.handler, old.handler);
}

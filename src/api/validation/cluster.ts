/**
 * Validation of the cluster-level core kinds: Namespace, Node,
 * PersistentVolume, PersistentVolumeClaim, plus the simple namespaced ones
 * (Endpoints, LimitRange, ResourceQuota, PodTemplate, Event, Binding).
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import {
  isQualifiedName,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  isValidPortNum,
  isValidLabelValue,
} from "./names.ts";
import { deepEqual, isObject, obj, objects, str } from "./field.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod.ts";
import { SUPPORTED_PROTOCOLS, enumField } from "./container.ts";
import { TAINT_EFFECTS } from "./pod-spec.ts";
import { parseQuantity } from "./quantity.ts";
import { endpointIPErrors } from "./endpoint-ip.ts";

const namespaced = (o: KObject) =>
  validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain });
const clusterScoped = (o: KObject) =>
  validateObjectMeta(o, { namespaced: false, nameFn: nameIsDNSSubdomain });

/** A Namespace: DNS-1123 label name; finalizers qualified names. */
export function validateNamespace(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o, { namespaced: false, nameFn: nameIsDNSLabel });
  const finalizers = obj(o.spec).finalizers;
  if (Array.isArray(finalizers)) {
    finalizers.forEach((f, i) => {
      const name = str(f);
      if (!name.includes("/") && name !== "kubernetes") {
        errs.push(
          fieldErrors.invalid(
            `spec.finalizers[${i}]`,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
          ),
        );
      } else
        for (const msg of isQualifiedName(name))
          errs.push(fieldErrors.invalid(`spec.finalizers[${i}]`, name, msg));
    });
  }
  return errs;
}

/** A Node: taints valid, podCIDRs parse. */
export function validateNode(o: KObject): FieldError[] {
  const errs = clusterScoped(o);
  const spec = obj(o.spec);
  const seen = new Set<string>();
  objects(spec.taints).forEach((t, i) => {
    const path = `spec.taints[${i}]`;
    const key = str(t.key);
    for (const msg of isQualifiedName(key)) errs.push(fieldErrors.invalid(`${path}.key`, key, msg));
    if (t.value !== undefined) {
      for (const msg of isValidLabelValue(str(t.value)))
        errs.push(fieldErrors.invalid(`${path}.value`, t.value, msg));
    }
    errs.push(...enumField(`${path}.effect`, t.effect, TAINT_EFFECTS));
    const id = `${key}:${str(t.effect)}`;
    if (seen.has(id)) {
      errs.push(fieldErrors.duplicate(path, `taints must be unique by key and effect pair`));
    }
    seen.add(id);
  });
  return errs;
}

/** Node updates: podCIDR(s) may only be set once. */
export function validateNodeUpdate(o: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(o, old);
  const spec = obj(o.spec);
  const oldSpec = obj(old.spec);
  if (str(oldSpec.podCIDR) && spec.podCIDR !== oldSpec.podCIDR) {
    errs.push(
      fieldErrors.forbidden(
        "spec.podCIDR",
        'node updates may not change podCIDR except from "" to valid',
      ),
    );
  }
  return errs;
}

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

function validateAccessModes(modes: unknown, field: string): FieldError[] {
  const list = Array.isArray(modes) ? modes : [];
  if (list.length === 0) return [fieldErrors.required(field, "at least 1 access mode is required")];
  return list
    .filter((m) => !ACCESS_MODES.includes(str(m)))
    .map((m) => fieldErrors.notSupported(field, m, ACCESS_MODES));
}

/** A PersistentVolume: capacity.storage, access modes, exactly one source. */
export function validatePersistentVolume(o: KObject): FieldError[] {
  const errs = clusterScoped(o);
  const spec = obj(o.spec);
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  const capacity = obj(spec.capacity);
  if (capacity.storage === undefined)
    errs.push(fieldErrors.required("spec.capacity", "must specify storage capacity"));
  else if (parseQuantity(capacity.storage) === undefined) {
    errs.push(
      fieldErrors.invalid("spec.capacity[storage]", capacity.storage, "must be a valid quantity"),
    );
  }
  const notSources = new Set([
    "accessModes",
    "capacity",
    "claimRef",
    "persistentVolumeReclaimPolicy",
    "storageClassName",
    "mountOptions",
    "volumeMode",
    "nodeAffinity",
    "volumeAttributesClassName",
  ]);
  const sources = Object.keys(spec).filter((k) => !notSources.has(k) && isObject(spec[k]));
  if (sources.length === 0) errs.push(fieldErrors.required("spec", "must specify a volume type"));
  else if (sources.length > 1)
    errs.push(
      fieldErrors.forbidden(`spec.${sources[1]}`, "may not specify more than 1 volume type"),
    );
  return errs;
}

/** A PersistentVolumeClaim: access modes and resources.requests.storage. */
export function validatePersistentVolumeClaim(o: KObject): FieldError[] {
  const errs = namespaced(o);
  const spec = obj(o.spec);
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  const storage = obj(obj(spec.resources).requests).storage;
  if (storage === undefined) errs.push(fieldErrors.required("spec.resources[storage]"));
  else if (!((parseQuantity(storage) ?? 0) > 0)) {
    errs.push(fieldErrors.invalid("spec.resources[storage]", storage, "must be greater than zero"));
  }
  return errs;
}

/** PVC updates: the spec is immutable after creation except resources.requests and volumeName from "". */
export function validatePersistentVolumeClaimUpdate(o: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(o, old);
  const spec = { ...obj(o.spec) };
  const oldSpec = { ...obj(old.spec) };
  delete spec.resources;
  delete oldSpec.resources;
  if (!str(oldSpec.volumeName)) {
    delete spec.volumeName;
    delete oldSpec.volumeName;
  }
  if (!deepEqual(spec, oldSpec)) {
    errs.push(
      fieldErrors.forbidden(
        "spec",
        "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
      ),
    );
  }
  return errs;
}

/**
 * Endpoints: addresses need a valid, non-special ip (see endpoint-ip.ts:
 * unlike upstream, loopback is accepted), ports valid.
 */
export function validateEndpoints(o: KObject): FieldError[] {
  const errs = namespaced(o);
  objects(o.subsets).forEach((subset, i) => {
    const path = `subsets[${i}]`;
    for (const key of ["addresses", "notReadyAddresses"]) {
      objects(subset[key]).forEach((a, j) => {
        const at = `${path}.${key}[${j}].ip`;
        if (!str(a.ip)) {
          errs.push(fieldErrors.required(at));
          return;
        }
        const ipErrs = endpointIPErrors(str(a.ip));
        if (ipErrs[0] === "must be a valid IP address")
          errs.push(
            fieldErrors.invalid(
              at,
              a.ip,
              "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ),
          );
        for (const msg of ipErrs) errs.push(fieldErrors.invalid(at, a.ip, msg));
      });
    }
    objects(subset.ports).forEach((p, j) => {
      for (const msg of isValidPortNum(Number(p.port)))
        errs.push(fieldErrors.invalid(`${path}.ports[${j}].port`, p.port ?? 0, msg));
      errs.push(...enumField(`${path}.ports[${j}].protocol`, p.protocol, SUPPORTED_PROTOCOLS));
    });
  });
  return errs;
}

/** Metadata-only validation for namespaced kinds (LimitRange, ResourceQuota ...). */
export function validateNamespacedMeta(o: KObject): FieldError[] {
  return namespaced(o);
}

/** Metadata-only validation for cluster-scoped kinds. */
export function validateClusterMeta(o: KObject): FieldError[] {
  return clusterScoped(o);
}

/** A PodTemplate. */
export function validatePodTemplate(o: KObject): FieldError[] {
  return [...namespaced(o), ...validatePodTemplateSpec(o.template, "template")];
}

/** A Binding (pods/binding or POST bindings): target.name required. */
export function validateBinding(o: KObject): FieldError[] {
  const errs = namespaced(o);
  if (!str(obj(o.target).name)) errs.push(fieldErrors.required("target.name"));
  return errs;
}

/** Metadata update rules only. */
export function validateMetaUpdate(o: KObject, old: KObject): FieldError[] {
  return validateObjectMetaUpdate(o, old);
}

/**
 * Validation of apps/v1 workloads (Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, ControllerRevision) and core ReplicationController, as upstream.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { nameIsDNSSubdomain } from "./names.ts";
import {
  goStringMap,
  invalidRendered,
  isObject,
  obj,
  str,
  stringMap,
  validateNonnegative,
} from "./field.ts";
import { selectorMatches, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePodTemplateSpec } from "./pod.ts";
import { validateSelectorImmutable, validateWorkloadSelector } from "./selector.ts";
import { validateIntOrPercent } from "./int-or-percent.ts";

const meta = (o: KObject) =>
  validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain });

/** Template of a controller whose pods must restart Always, without an active deadline. */
function validateAlwaysTemplate(template: unknown, field: string, kind: string): FieldError[] {
  if (!isObject(template)) return [fieldErrors.required(field)];
  const errs = validatePodTemplateSpec(template, field);
  const spec = obj(template.spec);
  if (str(spec.restartPolicy) && spec.restartPolicy !== "Always") {
    errs.push(
      fieldErrors.notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy, ["Always"]),
    );
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(
      fieldErrors.invalid(
        `${field}.spec.activeDeadlineSeconds`,
        spec.activeDeadlineSeconds,
        `activeDeadlineSeconds in ${kind} is not Supported`,
      ),
    );
  }
  return errs;
}

function commonSpec(o: KObject, kindWord: string, templateKind: string): FieldError[] {
  const spec = obj(o.spec);
  return [
    ...validateNonnegative("spec.replicas", spec.replicas),
    ...validateNonnegative("spec.minReadySeconds", spec.minReadySeconds),
    ...validateNonnegative("spec.revisionHistoryLimit", spec.revisionHistoryLimit),
    ...validateWorkloadSelector(spec, "spec", kindWord),
    ...validateAlwaysTemplate(spec.template, "spec.template", templateKind),
  ];
}

/** A Deployment. */
export function validateDeployment(o: KObject): FieldError[] {
  const errs = [...meta(o), ...commonSpec(o, "deployment", "ReplicaSet")];
  const spec = obj(o.spec);
  const strategy = obj(spec.strategy);
  const type = str(strategy.type);
  if (!type) errs.push(fieldErrors.required("spec.strategy.type"));
  else if (type !== "RollingUpdate" && type !== "Recreate") {
    errs.push(fieldErrors.notSupported("spec.strategy.type", type, ["Recreate", "RollingUpdate"]));
  }
  if (
    type === "Recreate" &&
    strategy.rollingUpdate !== undefined &&
    strategy.rollingUpdate !== null
  ) {
    errs.push(
      fieldErrors.forbidden(
        "spec.strategy.rollingUpdate",
        "may not be specified when strategy `type` is 'Recreate'",
      ),
    );
  }
  if (type === "RollingUpdate" && isObject(strategy.rollingUpdate)) {
    errs.push(...validateRollingUpdate(strategy.rollingUpdate, "spec.strategy.rollingUpdate"));
  }
  const deadline = spec.progressDeadlineSeconds;
  if (typeof deadline === "number") {
    errs.push(...validateNonnegative("spec.progressDeadlineSeconds", deadline));
    if (typeof spec.minReadySeconds === "number" && deadline <= spec.minReadySeconds) {
      errs.push(
        fieldErrors.invalid(
          "spec.progressDeadlineSeconds",
          deadline,
          "must be greater than minReadySeconds",
        ),
      );
    }
  }
  return errs;
}

/** maxUnavailable / maxSurge of a rolling update: not both zero. */
function validateRollingUpdate(ru: Record<string, unknown>, field: string): FieldError[] {
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`, true),
    ...validateIntOrPercent(ru.maxSurge, `${field}.maxSurge`, false),
  ];
  const isZero = (v: unknown) => v === 0 || v === "0%";
  if (isZero(ru.maxUnavailable ?? 0) && isZero(ru.maxSurge ?? 0)) {
    errs.push(
      fieldErrors.invalid(
        `${field}.maxUnavailable`,
        ru.maxUnavailable ?? 0,
        "may not be 0 when `maxSurge` is 0",
      ),
    );
  }
  return errs;
}

/** A ReplicaSet. */
export function validateReplicaSet(o: KObject): FieldError[] {
  return [...meta(o), ...commonSpec(o, "deployment", "ReplicaSet")];
}

/**
 * The template as its pods will be: each volumeClaimTemplate is a volume of
 * that name (the controller adds it), so containers may mount it.
 */
function withClaimVolumes(template: unknown, claimTemplates: unknown): unknown {
  if (!isObject(template) || !Array.isArray(claimTemplates)) return template;
  const spec = obj(template.spec);
  const volumes = Array.isArray(spec.volumes) ? [...spec.volumes] : [];
  const names = new Set(volumes.map((v) => obj(v).name));
  for (const t of claimTemplates) {
    const name = str(obj(obj(t).metadata).name);
    if (name && !names.has(name))
      volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  return { ...template, spec: { ...spec, volumes } };
}

/** A StatefulSet. */
export function validateStatefulSet(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  const withClaims = {
    ...o,
    spec: { ...spec, template: withClaimVolumes(spec.template, spec.volumeClaimTemplates) },
  };
  const errs = [...meta(o), ...commonSpec(withClaims, "statefulset", "StatefulSet")];
  const policy = str(spec.podManagementPolicy);
  if (!policy) errs.push(fieldErrors.required("spec.podManagementPolicy", ""));
  else if (policy !== "OrderedReady" && policy !== "Parallel") {
    errs.push(
      fieldErrors.invalid(
        "spec.podManagementPolicy",
        policy,
        "must be 'OrderedReady' or 'Parallel'",
      ),
    );
  }
  const update = obj(spec.updateStrategy);
  const type = str(update.type);
  if (!type) errs.push(fieldErrors.required("spec.updateStrategy", ""));
  else if (type !== "RollingUpdate" && type !== "OnDelete") {
    errs.push(
      fieldErrors.invalid("spec.updateStrategy", update, "must be 'RollingUpdate' or 'OnDelete'"),
    );
  }
  return errs;
}

/** A DaemonSet (no replicas; its own update strategy). */
export function validateDaemonSet(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = [
    ...meta(o),
    ...validateNonnegative("spec.minReadySeconds", spec.minReadySeconds),
    ...validateNonnegative("spec.revisionHistoryLimit", spec.revisionHistoryLimit),
    ...validateWorkloadSelector(spec, "spec", "daemonset"),
    ...validateAlwaysTemplate(spec.template, "spec.template", "DaemonSet"),
  ];
  const update = obj(spec.updateStrategy);
  const type = str(update.type);
  if (!type) errs.push(fieldErrors.required("spec.updateStrategy.type"));
  else if (type !== "RollingUpdate" && type !== "OnDelete") {
    errs.push(
      fieldErrors.notSupported("spec.updateStrategy.type", type, ["OnDelete", "RollingUpdate"]),
    );
  }
  return errs;
}

/** Selector immutability and metadata rules shared by the apps workloads on update. */
export function validateWorkloadUpdate(o: KObject, old: KObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(o, old),
    ...validateSelectorImmutable(obj(o.spec).selector, obj(old.spec).selector, "spec.selector"),
  ];
}

/** StatefulSet updates may change only some spec fields. */
export function validateStatefulSetUpdate(o: KObject, old: KObject): FieldError[] {
  const errs = validateWorkloadUpdate(o, old);
  const spec = { ...obj(o.spec) };
  const oldSpec = obj(old.spec);
  for (const k of [
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
    "revisionHistoryLimit",
    "selector",
  ]) {
    delete spec[k];
  }
  const restOld = { ...oldSpec };
  for (const k of Object.keys(restOld)) if (!(k in spec)) delete restOld[k];
  if (
    JSON.stringify(Object.entries(spec).sort()) !== JSON.stringify(Object.entries(restOld).sort())
  ) {
    errs.push(
      fieldErrors.forbidden(
        "spec",
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

/** A core/v1 ReplicationController (map selector). */
export function validateReplicationController(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = [...meta(o), ...validateNonnegative("spec.replicas", spec.replicas)];
  errs.push(...validateNonnegative("spec.minReadySeconds", spec.minReadySeconds));
  const selector = stringMap(spec.selector) ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldErrors.required("spec.selector"));
  const template = spec.template;
  if (!isObject(template)) {
    errs.push(fieldErrors.required("spec.template"));
    return errs;
  }
  const labels = stringMap(obj(template.metadata).labels);
  if (Object.keys(selector).length > 0 && !selectorMatches({ matchLabels: selector }, labels)) {
    errs.push(
      invalidRendered(
        "spec.template.metadata.labels",
        goStringMap(labels),
        "`selector` does not match template `labels`",
      ),
    );
  }
  errs.push(...validateAlwaysTemplate(template, "spec.template", "ReplicationController"));
  return errs;
}

/** A ControllerRevision: revision non-negative; data is opaque. */
export function validateControllerRevision(o: KObject): FieldError[] {
  const errs = [...meta(o), ...validateNonnegative("revision", o.revision)];
  if (o.data === undefined) errs.push(fieldErrors.required("data"));
  return errs;
}

/** ControllerRevision data is immutable. */
export function validateControllerRevisionUpdate(o: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(o, old);
  if (JSON.stringify(o.data) !== JSON.stringify(old.data))
    errs.push(fieldErrors.invalid("data", "", "field is immutable"));
  return errs;
}

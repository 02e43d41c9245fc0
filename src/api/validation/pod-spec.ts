/**
 * PodSpec validation as upstream's ValidatePodSpec: containers, volumes,
 * policies, scheduling fields and tolerations. Used by pods and by every
 * pod template (workloads, jobs, pod templates).
 */
import { fieldErrors, type FieldError } from "../status.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidLabelValue,
  isQualifiedName,
  inclusiveRangeError,
} from "./names.ts";
import { isObject, obj, objects, str } from "./field.ts";
import { validateLabels } from "./object-meta.ts";
import { enumField, validateContainers, type ContainerContext } from "./container.ts";

export const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const MAX_INT32 = 2147483647;

const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
];

/** A PodSpec at `field` ("spec", "spec.template.spec"). */
export function validatePodSpec(spec: unknown, field: string): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  const volumes = validateVolumes(s.volumes, `${field}.volumes`, errs);
  const ctx: ContainerContext = { volumes, names: new Set(), hostNetwork: s.hostNetwork === true };
  if (objects(s.containers).length === 0) errs.push(fieldErrors.required(`${field}.containers`));
  errs.push(
    ...validateContainers(s.initContainers, `${field}.initContainers`, { ...ctx, init: true }),
  );
  errs.push(...validateContainers(s.containers, `${field}.containers`, ctx));
  errs.push(...enumField(`${field}.restartPolicy`, s.restartPolicy, RESTART_POLICIES));
  errs.push(...enumField(`${field}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  if (s.dnsPolicy === "None" && !isObject(s.dnsConfig)) {
    errs.push(
      fieldErrors.required(
        `${field}.dnsConfig`,
        "must provide `dnsConfig` when `dnsPolicy` is None",
      ),
    );
  }
  errs.push(...validateLabels(s.nodeSelector, `${field}.nodeSelector`));
  for (const key of ["serviceAccountName", "nodeName", "priorityClassName", "schedulerName"]) {
    const v = str(s[key]);
    if (v)
      for (const msg of isDNS1123Subdomain(v))
        errs.push(fieldErrors.invalid(`${field}.${key}`, v, msg));
  }
  for (const key of ["hostname", "subdomain"]) {
    const v = str(s[key]);
    if (v)
      for (const msg of isDNS1123Label(v))
        errs.push(fieldErrors.invalid(`${field}.${key}`, v, msg));
  }
  const ads = s.activeDeadlineSeconds;
  if (typeof ads === "number" && (ads < 1 || ads > MAX_INT32)) {
    errs.push(
      fieldErrors.invalid(`${field}.activeDeadlineSeconds`, ads, inclusiveRangeError(1, MAX_INT32)),
    );
  }
  errs.push(...validateTolerations(s.tolerations, `${field}.tolerations`));
  return errs;
}

/** Volumes: DNS-label names, unique, exactly one source. Returns the names. */
function validateVolumes(list: unknown, field: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  objects(list).forEach((v, i) => {
    const path = `${field}[${i}]`;
    const name = str(v.name);
    if (!name) errs.push(fieldErrors.required(`${path}.name`));
    else {
      const msgs = isDNS1123Label(name);
      for (const msg of msgs) errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
      if (msgs.length === 0 && names.has(name))
        errs.push(fieldErrors.duplicate(`${path}.name`, name));
      names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((k) => v[k] !== undefined && v[k] !== null);
    if (sources.length === 0) errs.push(fieldErrors.required(path, "must specify a volume type"));
    else if (sources.length > 1) {
      errs.push(
        fieldErrors.forbidden(`${path}.${sources[1]}`, "may not specify more than 1 volume type"),
      );
    }
    const claim = obj(v.persistentVolumeClaim);
    if (v.persistentVolumeClaim !== undefined && !str(claim.claimName)) {
      errs.push(fieldErrors.required(`${path}.persistentVolumeClaim.claimName`));
    }
    if (v.configMap !== undefined && !str(obj(v.configMap).name)) {
      errs.push(fieldErrors.required(`${path}.configMap.name`));
    }
    if (v.secret !== undefined && !str(obj(v.secret).secretName)) {
      errs.push(fieldErrors.required(`${path}.secret.secretName`));
    }
  });
  return names;
}

/** Tolerations as upstream's validateTolerations. */
export function validateTolerations(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(list).forEach((t, i) => {
    const path = `${field}[${i}]`;
    const key = str(t.key);
    const op = str(t.operator);
    if (key)
      for (const msg of isQualifiedName(key))
        errs.push(fieldErrors.invalid(`${path}.key`, key, msg));
    if (!key && op !== "Exists") {
      errs.push(
        fieldErrors.invalid(
          `${path}.operator`,
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (
      t.tolerationSeconds !== undefined &&
      t.tolerationSeconds !== null &&
      t.effect !== "NoExecute"
    ) {
      errs.push(
        fieldErrors.invalid(
          `${path}.effect`,
          str(t.effect),
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    if (op === "Equal" || op === "") {
      const msgs = isValidLabelValue(str(t.value));
      if (msgs.length)
        errs.push(fieldErrors.invalid(`${path}.operator`, str(t.value), msgs.join(";")));
    } else if (op === "Exists") {
      if (str(t.value)) {
        errs.push(
          fieldErrors.invalid(
            `${path}.operator`,
            t,
            "value must be empty when `operator` is 'Exists'",
          ),
        );
      }
    } else {
      errs.push(fieldErrors.notSupported(`${path}.operator`, op, ["Equal", "Exists"]));
    }
    if (str(t.effect) && !TAINT_EFFECTS.includes(str(t.effect))) {
      errs.push(fieldErrors.notSupported(`${path}.effect`, t.effect, TAINT_EFFECTS));
    }
  });
  return errs;
}

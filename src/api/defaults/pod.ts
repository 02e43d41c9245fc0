/**
 * Pod defaulting as upstream's SetDefaults_Pod / SetDefaults_PodSpec /
 * SetDefaults_Container, plus what upstream admission and the pod strategy
 * add on create (phase, QoS class, priority).
 * Every function mutates in place and is idempotent.
 */
import type { KObject } from "../types.ts";
import { isObject, obj, objects, str } from "../validation/field.ts";
import { parseQuantity } from "../validation/quantity.ts";

type Obj = Record<string, unknown>;

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/**
 * Always for ":latest" or untagged images, else IfNotPresent (digests, and an
 * empty image, which validation rejects anyway).
 */
export function defaultPullPolicy(image: string): string {
  if (image === "" || image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  setDefault(probe, "timeoutSeconds", 1);
  setDefault(probe, "periodSeconds", 10);
  setDefault(probe, "successThreshold", 1);
  setDefault(probe, "failureThreshold", 3);
  if (isObject(probe.httpGet)) {
    setDefault(probe.httpGet, "path", "/");
    setDefault(probe.httpGet, "scheme", "HTTP");
  }
  if (isObject(probe.grpc)) setDefault(probe.grpc, "service", "");
}

/**
 * SetDefaults_Container plus its ports, env and probes, and `resources: {}`:
 * upstream holds a container's ResourceRequirements by value, so its JSON
 * always has the field, even for a manifest without it.
 */
export function defaultContainer(c: Obj, hostNetwork: boolean): void {
  setDefault(c, "resources", {});
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  if (!str(c.imagePullPolicy)) c.imagePullPolicy = defaultPullPolicy(str(c.image));
  for (const p of objects(c.ports)) {
    setDefault(p, "protocol", "TCP");
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const e of objects(c.env)) {
    const from = obj(e.valueFrom);
    if (isObject(from.fieldRef)) setDefault(from.fieldRef, "apiVersion", "v1");
    if (isObject(from.resourceFieldRef)) setDefault(from.resourceFieldRef, "divisor", "0");
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

/** Requests default to limits when absent (SetDefaults_Pod: pods only, not templates). */
function defaultRequestsToLimits(c: Obj): void {
  if (isObject(c.resources) && isObject(c.resources.limits)) {
    const requests = isObject(c.resources.requests) ? c.resources.requests : {};
    for (const [name, q] of Object.entries(c.resources.limits)) setDefault(requests, name, q);
    if (Object.keys(requests).length > 0) c.resources.requests = requests;
  }
}

const MODE_420_SOURCES = ["secret", "configMap", "downwardAPI", "projected"];

function defaultVolume(v: Obj): void {
  const hasSource = Object.keys(v).some((k) => k !== "name" && v[k] !== undefined && v[k] !== null);
  if (!hasSource) v.emptyDir = {};
  for (const k of MODE_420_SOURCES) if (isObject(v[k])) setDefault(v[k] as Obj, "defaultMode", 420);
  if (isObject(v.hostPath)) setDefault(v.hostPath, "type", "");
  if (isObject(v.projected)) {
    for (const src of objects(v.projected.sources)) {
      if (isObject(src.serviceAccountToken))
        setDefault(src.serviceAccountToken, "expirationSeconds", 3600);
    }
  }
}

/** SetDefaults_PodSpec and everything nested in a PodSpec. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
  if (str(spec.serviceAccount) && !str(spec.serviceAccountName))
    spec.serviceAccountName = spec.serviceAccount;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of objects(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const c of objects(spec.containers)) defaultContainer(c, hostNetwork);
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

/** Defaults of a PodTemplateSpec at `template`. */
export function defaultPodTemplate(template: unknown): void {
  if (!isObject(template)) return;
  setDefault(template, "spec", {});
  defaultPodSpec(template.spec as Obj);
}

/**
 * Defaults of a Pod (called on create, update and patch): SetDefaults_PodSpec
 * plus what upstream's SetDefaults_Pod adds to pods but not to pod templates
 * (a Deployment's template has no enableServiceLinks, nor requests copied
 * from limits: its pods get them when created).
 */
export function defaultPod(pod: KObject): void {
  setDefault(pod, "spec", {});
  const spec = pod.spec as Obj;
  defaultPodSpec(spec);
  for (const c of objects(spec.initContainers)) defaultRequestsToLimits(c);
  for (const c of objects(spec.containers)) defaultRequestsToLimits(c);
  setDefault(spec, "enableServiceLinks", true);
  if (isObject(pod.spec) && str(pod.spec.serviceAccountName))
    pod.spec.serviceAccount = pod.spec.serviceAccountName;
}

/** Priorities of the built-in classes (others are resolved by admission). */
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};

/** qos.ComputePodQOS: Guaranteed, Burstable or BestEffort from cpu/memory requests and limits. */
export function computePodQOS(spec: Obj): string {
  const containers = [...objects(spec.initContainers), ...objects(spec.containers)];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = obj(c.resources);
    const requests = obj(res.requests);
    const limits = obj(res.limits);
    for (const name of ["cpu", "memory"]) {
      const req = parseQuantity(requests[name]);
      const lim = parseQuantity(limits[name]);
      if ((req !== undefined && req !== 0) || (lim !== undefined && lim !== 0)) anySet = true;
      if (lim === undefined || (req !== undefined && req !== lim)) guaranteed = false;
    }
  }
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * What a pod gets on create beyond defaulting: status {phase Pending, qosClass},
 * priority for built-in classes or 0 without a class (the NoExecute
 * tolerations come from the DefaultTolerationSeconds admission plugin),
 * preemptionPolicy, and the SchedulingGated condition when gates are set.
 */
export function preparePodForCreate(pod: KObject): void {
  setDefault(pod, "spec", {});
  const spec = pod.spec as Obj;
  const className = str(spec.priorityClassName);
  if (spec.priority === undefined) {
    if (!className) spec.priority = 0;
    else if (className in SYSTEM_PRIORITY_CLASSES)
      spec.priority = SYSTEM_PRIORITY_CLASSES[className];
  }
  if (spec.priority !== undefined) setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
  const status: Obj = { phase: "Pending", qosClass: computePodQOS(spec) };
  if (objects(spec.schedulingGates).length > 0) {
    status.conditions = [
      {
        type: "PodScheduled",
        status: "False",
        reason: "SchedulingGated",
        message: "Scheduling is blocked due to non-empty scheduling gates",
        lastProbeTime: null,
        lastTransitionTime: null,
      },
    ];
  }
  pod.status = status;
}

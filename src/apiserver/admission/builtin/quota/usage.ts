/**
 * Quota evaluators, as upstream's pkg/quota/v1/evaluator/core and generic:
 * what one object contributes to each quota resource name, which names an
 * object type can affect, and whether a quota's scopes select an object.
 * Shared by ResourceQuota admission (charging one object) and the
 * ResourceQuota controller (summing a namespace): one definition of usage.
 */
import { Quantity } from "../../../../api/quantity.ts";
import { computePodQOS } from "../../../../api/defaults/pod.ts";
import type { KObject } from "../../../../api/types.ts";
import { podResources, resourceList, type ResourceList } from "../resource-list.ts";

/** Where an object lives in the API (group "" is core). */
export interface QuotaTarget {
  group: string;
  resource: string;
}

type Obj = Record<string, unknown>;
const one = () => Quantity.fromNumber(1);

/** `count/<resource>` or `count/<resource>.<group>`. */
export function objectCountName(t: QuotaTarget): string {
  return t.group ? `count/${t.resource}.${t.group}` : `count/${t.resource}`;
}

/** Core resources with a legacy object-count name ("configmaps", "pods", ...). */
const LEGACY_COUNTS = new Set([
  "pods",
  "services",
  "configmaps",
  "secrets",
  "replicationcontrollers",
  "resourcequotas",
  "persistentvolumeclaims",
]);

const STANDARD_CONTAINER = new Set(["cpu", "memory", "ephemeral-storage"]);
const STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/";

/** Whether quota name `name` can be affected by objects of `t`. */
export function affects(t: QuotaTarget, name: string): boolean {
  if (name === objectCountName(t)) return true;
  if (t.group !== "") return false;
  if (LEGACY_COUNTS.has(t.resource) && name === t.resource) return true;
  switch (t.resource) {
    case "pods":
      return (
        STANDARD_CONTAINER.has(name) ||
        (name.startsWith("requests.") && name !== "requests.storage") ||
        name.startsWith("limits.") ||
        name.startsWith("hugepages-")
      );
    case "services":
      return name === "services.nodeports" || name === "services.loadbalancers";
    case "persistentvolumeclaims":
      return name === "requests.storage" || name.includes(STORAGE_CLASS_SUFFIX);
    default:
      return false;
  }
}

/** Upstream's QuotaV1Pod: not terminal and not past its deletion grace period. */
export function podCountsForCompute(pod: KObject, now: number): boolean {
  const phase = (pod.status as Obj | undefined)?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  const deletion = pod.metadata?.deletionTimestamp;
  if (deletion) {
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? 0;
    if (Date.parse(deletion) + grace * 1000 < now) return false;
  }
  return true;
}

/** Compute usage names of a container's (or pod's) requests and limits. */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, q] of requests) {
    if (STANDARD_CONTAINER.has(k)) out.set(k, q);
    out.set(`requests.${k}`, q);
    if (k.startsWith("hugepages-")) out.set(k, q);
  }
  for (const [k, q] of limits) {
    if (STANDARD_CONTAINER.has(k)) out.set(`limits.${k}`, q);
  }
  return out;
}

function podUsage(pod: KObject, now: number): ResourceList {
  const out: ResourceList = new Map([["count/pods", one()]]);
  if (!podCountsForCompute(pod, now)) return out;
  out.set("pods", one());
  const spec = pod.spec as Parameters<typeof podResources>[0];
  for (const [k, q] of computeUsage(podResources(spec, "requests"), podResources(spec, "limits")))
    out.set(k, q);
  return out;
}

function serviceUsage(svc: KObject): ResourceList {
  const spec = (svc.spec ?? {}) as Obj;
  const out: ResourceList = new Map([
    ["services", one()],
    ["count/services", one()],
  ]);
  const ports = Array.isArray(spec.ports) ? spec.ports.length : 0;
  if (spec.type === "NodePort") out.set("services.nodeports", Quantity.fromNumber(ports));
  if (spec.type === "LoadBalancer") {
    out.set("services.loadbalancers", one());
    if (spec.allocateLoadBalancerNodePorts !== false)
      out.set("services.nodeports", Quantity.fromNumber(ports));
  }
  return out;
}

function pvcUsage(pvc: KObject): ResourceList {
  const spec = (pvc.spec ?? {}) as Obj & { resources?: { requests?: Obj } };
  const out: ResourceList = new Map([
    ["persistentvolumeclaims", one()],
    ["count/persistentvolumeclaims", one()],
  ]);
  const storage = resourceList(spec.resources?.requests).get("storage");
  const className = typeof spec.storageClassName === "string" ? spec.storageClassName : "";
  if (className) out.set(`${className}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
  if (storage) {
    out.set("requests.storage", storage);
    if (className) out.set(`${className}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
  }
  return out;
}

/** Everything `obj` (of `t`) contributes to quota usage at time `now` (ms). */
export function usageOf(t: QuotaTarget, obj: KObject, now: number): ResourceList {
  if (t.group === "") {
    if (t.resource === "pods") return podUsage(obj, now);
    if (t.resource === "services") return serviceUsage(obj);
    if (t.resource === "persistentvolumeclaims") return pvcUsage(obj);
  }
  const out: ResourceList = new Map([[objectCountName(t), one()]]);
  if (t.group === "" && LEGACY_COUNTS.has(t.resource)) out.set(t.resource, one());
  return out;
}

type ScopeRequirement = { scopeName?: string; operator?: string; values?: string[] };
type QuotaSpec = { scopes?: string[]; scopeSelector?: { matchExpressions?: ScopeRequirement[] } };

function podScopeValue(pod: KObject, scope: string): { has: boolean; value?: string } {
  const spec = (pod.spec ?? {}) as Obj;
  switch (scope) {
    case "Terminating":
      return {
        has: typeof spec.activeDeadlineSeconds === "number" && spec.activeDeadlineSeconds >= 0,
      };
    case "NotTerminating":
      return {
        has: !(typeof spec.activeDeadlineSeconds === "number" && spec.activeDeadlineSeconds >= 0),
      };
    case "BestEffort":
      return { has: computePodQOS(spec) === "BestEffort" };
    case "NotBestEffort":
      return { has: computePodQOS(spec) !== "BestEffort" };
    case "PriorityClass": {
      const name = typeof spec.priorityClassName === "string" ? spec.priorityClassName : "";
      return { has: name !== "", value: name };
    }
    default:
      return { has: false };
  }
}

function requirementMatches(pod: KObject, r: ScopeRequirement): boolean {
  const { has, value } = podScopeValue(pod, r.scopeName ?? "");
  switch (r.operator ?? "Exists") {
    case "In":
      return has && value !== undefined ? (r.values ?? []).includes(value) : has;
    case "NotIn":
      return has && value !== undefined ? !(r.values ?? []).includes(value) : !has;
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}

/**
 * Whether the quota's scopes (and scopeSelector) select obj. Scoped quotas
 * select only pods, as upstream; an unscoped quota selects everything.
 */
export function scopesMatch(quota: KObject, t: QuotaTarget, obj: KObject): boolean {
  const spec = (quota.spec ?? {}) as QuotaSpec;
  const requirements: ScopeRequirement[] = [
    ...(spec.scopes ?? []).map((s) => ({ scopeName: s, operator: "Exists" })),
    ...(spec.scopeSelector?.matchExpressions ?? []),
  ];
  if (requirements.length === 0) return true;
  if (t.group !== "" || t.resource !== "pods") return false;
  return requirements.every((r) => requirementMatches(obj, r));
}

const VALIDATED = new Set([
  "cpu",
  "memory",
  "requests.cpu",
  "requests.memory",
  "limits.cpu",
  "limits.memory",
]);

/**
 * Upstream's pod Constraints: when a quota tracks cpu or memory, every
 * container must state it. Returns "" or "must specify <name> for: <containers>; ...".
 */
export function podConstraints(pod: KObject, required: Iterable<string>): string {
  const wanted = [...required].filter((n) => VALIDATED.has(n));
  if (wanted.length === 0) return "";
  type C = { name?: string; resources?: { requests?: unknown; limits?: unknown } };
  const spec = (pod.spec ?? {}) as { containers?: C[]; initContainers?: C[] };
  const missing = new Map<string, Set<string>>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const have = computeUsage(
      resourceList(c.resources?.requests),
      resourceList(c.resources?.limits),
    );
    for (const n of wanted) {
      if (have.has(n)) continue;
      if (!missing.has(n)) missing.set(n, new Set());
      missing.get(n)!.add(c.name ?? "");
    }
  }
  if (missing.size === 0) return "";
  const parts = [...missing.keys()]
    .sort()
    .map((n) => `${n} for: ${[...missing.get(n)!].sort().join(",")}`);
  return `must specify ${parts.join("; ")}`;
}

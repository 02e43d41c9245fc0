/**
 * LimitRanger admission, as upstream: pods being created get the default
 * requests and limits of the namespace's LimitRanges (Container items) and
 * the `kubernetes.io/limit-ranger` annotation naming what was set; then every
 * container (Container items) and the pod as a whole (Pod items) must respect
 * min, max and maxLimitRequestRatio, else 403 with upstream's messages.
 * PersistentVolumeClaims are checked against PersistentVolumeClaim items.
 */
import type { Quantity } from "../../../api/quantity.ts";
import type { KObject } from "../../../api/types.ts";
import { defaultLimitRange } from "../../../api/defaults/core.ts";
import { computePodQOS } from "../../../api/defaults/pod.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { admissionForbidden } from "./admission-error.ts";
import { podResources, resourceList, type ResourceList } from "./resource-list.ts";
import type { ServerRef } from "./server-ref.ts";
import { ObjectCache } from "../../object-cache.ts";
import { keyPrefix } from "../../object-store.ts";
import { thenNow } from "../then-now.ts";

export const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger";

type Obj = Record<string, unknown>;
type Container = Obj & { name?: string; resources?: { requests?: Obj; limits?: Obj } };
type LimitItem = {
  type?: string;
  min?: Obj;
  max?: Obj;
  default?: Obj;
  defaultRequest?: Obj;
  maxLimitRequestRatio?: Obj;
};

function itemsOf(ranges: KObject[]): LimitItem[] {
  return ranges.flatMap((lr) => {
    const copy = structuredClone(lr);
    defaultLimitRange(copy);
    return ((copy.spec as { limits?: LimitItem[] } | undefined)?.limits ?? []) as LimitItem[];
  });
}

/**
 * Sets missing container requests/limits from Container items' defaultRequest
 * and default (later items win); returns the annotation value, or "" when
 * nothing was set.
 */
export function applyPodDefaults(pod: KObject, items: LimitItem[]): string {
  const defaults = { requests: {} as Obj, limits: {} as Obj };
  for (const item of items) {
    if (item.type !== "Container") continue;
    Object.assign(defaults.requests, item.defaultRequest ?? {});
    Object.assign(defaults.limits, item.default ?? {});
  }
  const notes: string[] = [];
  const spec = (pod.spec ?? {}) as Obj;
  const visit = (c: Container, kind: string) => {
    const resources = (c.resources ??= {});
    const limits = (resources.limits ??= {});
    const requests = (resources.requests ??= {});
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    for (const [k, v] of Object.entries(defaults.limits)) {
      if (limits[k] !== undefined) continue;
      limits[k] = v;
      setLimits.push(k);
    }
    for (const [k, v] of Object.entries(defaults.requests)) {
      if (requests[k] !== undefined) continue;
      requests[k] = v;
      setRequests.push(k);
    }
    if (Object.keys(limits).length === 0) delete resources.limits;
    if (Object.keys(requests).length === 0) delete resources.requests;
    if (setRequests.length)
      notes.push(`${setRequests.sort().join(", ")} request for ${kind} ${c.name}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(", ")} limit for ${kind} ${c.name}`);
  };
  for (const c of (spec.containers as Container[]) ?? []) visit(c, "container");
  for (const c of (spec.initContainers as Container[]) ?? []) visit(c, "init container");
  return notes.length ? `LimitRanger plugin set: ${notes.join("; ")}` : "";
}

const str = (q: Quantity) => q.toString();

function minConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req)
    return `minimum ${name} usage per ${type} is ${str(enforced)}.  No request is specified`;
  if (req.cmp(enforced) < 0)
    return `minimum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}`;
  if (lim && lim.cmp(enforced) < 0)
    return `minimum ${name} usage per ${type} is ${str(enforced)}, but limit is ${str(lim)}`;
  return undefined;
}

function maxConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!lim) return `maximum ${name} usage per ${type} is ${str(enforced)}.  No limit is specified`;
  if (lim.cmp(enforced) > 0)
    return `maximum ${name} usage per ${type} is ${str(enforced)}, but limit is ${str(lim)}`;
  if (req && req.cmp(enforced) > 0)
    return `maximum ${name} usage per ${type} is ${str(enforced)}, but request is ${str(req)}`;
  return undefined;
}

function ratioConstraint(
  type: string,
  name: string,
  enforced: Quantity,
  requests: ResourceList,
  limits: ResourceList,
): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const prefix = `${name} max limit to request ratio per ${type} is ${str(enforced)}`;
  if (!req || req.isZero()) return `${prefix}, but no request is specified or request is 0`;
  if (!lim || lim.isZero()) return `${prefix}, but no limit is specified or limit is 0`;
  const observed = Number(lim.milliValue()) / Number(req.milliValue());
  const max = Number(enforced.milliValue()) / 1000;
  if (observed > max) return `${prefix}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

/** Checks of one item against requests and limits, in upstream's order. */
function checkItem(
  item: LimitItem,
  type: string,
  requests: ResourceList,
  limits: ResourceList,
): string[] {
  const errs: string[] = [];
  for (const [k, v] of resourceList(item.min)) {
    const e = minConstraint(type, k, v, requests, limits);
    if (e) errs.push(e);
  }
  for (const [k, v] of resourceList(item.max)) {
    const e = maxConstraint(type, k, v, requests, limits);
    if (e) errs.push(e);
  }
  for (const [k, v] of resourceList(item.maxLimitRequestRatio)) {
    const e = ratioConstraint(type, k, v, requests, limits);
    if (e) errs.push(e);
  }
  return errs;
}

/** Every violation of the items by a pod, as upstream's PodValidateLimitFunc. */
export function validatePod(pod: KObject, items: LimitItem[]): string[] {
  const spec = (pod.spec ?? {}) as Obj;
  const errs: string[] = [];
  for (const item of items) {
    if (item.type === "Container") {
      for (const c of [
        ...((spec.containers as Container[]) ?? []),
        ...((spec.initContainers as Container[]) ?? []),
      ]) {
        errs.push(
          ...checkItem(
            item,
            "Container",
            resourceList(c.resources?.requests),
            resourceList(c.resources?.limits),
          ),
        );
      }
    }
    if (item.type === "Pod") {
      errs.push(
        ...checkItem(item, "Pod", podResources(spec, "requests"), podResources(spec, "limits")),
      );
    }
  }
  return errs;
}

/** Violations by a PVC of PersistentVolumeClaim items (storage min/max on requests). */
export function validatePvc(pvc: KObject, items: LimitItem[]): string[] {
  const res = ((pvc.spec as Obj | undefined)?.resources ?? {}) as { requests?: Obj; limits?: Obj };
  const requests = resourceList(res.requests);
  const errs: string[] = [];
  for (const item of items) {
    if (item.type !== "PersistentVolumeClaim") continue;
    for (const [k, v] of resourceList(item.min)) {
      const e = minConstraint("PersistentVolumeClaim", k, v, requests, new Map());
      if (e) errs.push(e);
    }
    for (const [k, v] of resourceList(item.max)) {
      const req = requests.get(k);
      if (req && req.cmp(v) > 0)
        errs.push(
          `maximum ${k} usage per PersistentVolumeClaim is ${str(v)}, but request is ${str(req)}`,
        );
    }
  }
  return errs;
}

/** utilerrors.NewAggregate's message. */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(", ")}]`;
}

function target(attrs: AdmissionAttributes): "pod" | "pvc" | undefined {
  if (attrs.subresource !== "" || attrs.def.group !== "" || !attrs.object) return undefined;
  if (attrs.def.resource === "pods" && attrs.operation === "CREATE") return "pod";
  if (
    attrs.def.resource === "persistentvolumeclaims" &&
    (attrs.operation === "CREATE" || attrs.operation === "UPDATE")
  )
    return "pvc";
  return undefined;
}

export function limitRangerPlugin(server: ServerRef): AdmissionPlugin {
  /** From the shared cache, as upstream's lister: no storage read (nor promise, once listed) per pod. */
  const load = (namespace: string): LimitItem[] | Promise<LimitItem[]> => {
    const s = server.now();
    if (!s) return server.get().then(() => load(namespace));
    const def = s.registry.get("", "v1", "limitranges")!;
    const cache = ObjectCache.shared(s, def);
    const now = cache.underNow(keyPrefix(def, namespace));
    return now ? itemsOf(now) : cache.under(keyPrefix(def, namespace)).then(itemsOf);
  };
  return {
    name: "LimitRanger",
    admit(attrs) {
      if (target(attrs) !== "pod") return;
      return thenNow(load(attrs.namespace), (items) => {
        if (items.length === 0) return;
        const pod = attrs.object!;
        const note = applyPodDefaults(pod, items);
        if (!note) return;
        pod.metadata = {
          ...pod.metadata,
          annotations: { ...pod.metadata?.annotations, [LIMIT_RANGER_ANNOTATION]: note },
        };
        // The QoS class was computed before admission changed the resources.
        const status = pod.status as Obj | undefined;
        if (status) status.qosClass = computePodQOS(pod.spec as Obj);
      });
    },
    validate(attrs) {
      const kind = target(attrs);
      if (!kind) return;
      return thenNow(load(attrs.namespace), (items) => {
        if (items.length === 0) return;
        const errs =
          kind === "pod" ? validatePod(attrs.object!, items) : validatePvc(attrs.object!, items);
        if (errs.length) throw admissionForbidden(attrs, aggregate(errs));
      });
    },
  };
}

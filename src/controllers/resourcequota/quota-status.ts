/**
 * A ResourceQuota's status from scratch: status.hard mirrors spec.hard and
 * status.used sums, for every hard name, the usage of the namespace's
 * objects the quota's scopes select. Uses the same evaluators as
 * ResourceQuota admission, so the two never disagree on what an object costs.
 */
import { Quantity } from "../../api/quantity.ts";
import type { KObject } from "../../api/types.ts";
import {
  affects,
  scopesMatch,
  usageOf,
  type QuotaTarget,
} from "../../apiserver/admission/builtin/quota/usage.ts";
import { toJSONList, type ResourceList } from "../../apiserver/admission/builtin/resource-list.ts";

/** Core resources whose objects some non-count quota name can cover. */
const CORE_TARGETS: QuotaTarget[] = [
  "pods",
  "services",
  "persistentvolumeclaims",
  "configmaps",
  "secrets",
  "replicationcontrollers",
  "resourcequotas",
].map((resource) => ({ group: "", resource }));

/** The object types whose objects can count toward quota name `name`. */
export function targetsFor(name: string): QuotaTarget[] {
  if (name.startsWith("count/")) {
    const rest = name.slice("count/".length);
    const dot = rest.indexOf(".");
    return [
      dot < 0
        ? { group: "", resource: rest }
        : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) },
    ];
  }
  return CORE_TARGETS.filter((t) => affects(t, name));
}

export interface QuotaStatus {
  hard: Record<string, string>;
  used: Record<string, string>;
}

/**
 * The status `quota` should have, given the objects of each target in its
 * namespace. Every hard name gets a used value (0 when nothing counts).
 */
export function computeQuotaStatus(
  quota: KObject,
  objectsOf: (t: QuotaTarget) => KObject[],
  now: number,
): QuotaStatus {
  const hard = ((quota.spec as { hard?: Record<string, string> } | undefined)?.hard ??
    {}) as Record<string, string>;
  const used: ResourceList = new Map();
  for (const name of Object.keys(hard)) {
    let total = Quantity.fromNanos(0n);
    for (const t of targetsFor(name)) {
      for (const obj of objectsOf(t)) {
        if (!scopesMatch(quota, t, obj)) continue;
        const q = usageOf(t, obj, now).get(name);
        if (q) total = total.add(q);
      }
    }
    used.set(name, total);
  }
  return { hard: { ...hard }, used: toJSONList(used) };
}

/**
 * ResourceList arithmetic (upstream's quota/v1 helpers and
 * resourcehelper.PodRequests/PodLimits) over exact Quantities. A
 * ResourceList maps resource names to quantities; absent means unset.
 */
import { Quantity, quantityFromJSON } from "../../../api/quantity.ts";

export type ResourceList = Map<string, Quantity>;

/** Parses a JSON ResourceList, skipping values that are not quantities. */
export function resourceList(value: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!value || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const r = quantityFromJSON(v);
    if (r.ok) out.set(k, r.quantity);
  }
  return out;
}

/** The JSON form, keys sorted. */
export function toJSONList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = list.get(k)!.toString();
  return out;
}

/** a + b over the union of names. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, q] of b) out.set(k, out.has(k) ? out.get(k)!.add(q) : q);
  return out;
}

/** a - b over the union of names. */
export function subtractLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, q] of b) out.set(k, out.has(k) ? out.get(k)!.sub(q) : q.neg());
  return out;
}

/** The larger of each name. */
export function maxLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, q] of b) if (!out.has(k) || out.get(k)!.cmp(q) < 0) out.set(k, q);
  return out;
}

/** Only the given names. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) if (list.has(n)) out.set(n, list.get(n)!);
  return out;
}

/** Upstream's prettyPrint: `name=quantity` sorted by name, comma-separated. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${list.get(k)!.toString()}`)
    .join(",");
}

type Obj = Record<string, unknown>;
type Container = { resources?: { requests?: unknown; limits?: unknown }; restartPolicy?: string };
type PodSpec = { containers?: Container[]; initContainers?: Container[]; overhead?: unknown };

/**
 * Effective pod requests or limits, as resourcehelper: the sum over
 * containers (plus sidecar init containers, restartPolicy Always), maxed with
 * each plain init container's value plus the sidecars started before it,
 * plus pod overhead.
 */
export function podResources(
  spec: PodSpec | undefined,
  which: "requests" | "limits",
): ResourceList {
  const of = (c: Container) => resourceList(c.resources?.[which]);
  let sum: ResourceList = new Map();
  for (const c of spec?.containers ?? []) sum = addLists(sum, of(c));
  let sidecars: ResourceList = new Map();
  let initMax: ResourceList = new Map();
  for (const c of spec?.initContainers ?? []) {
    if (c.restartPolicy === "Always") {
      sidecars = addLists(sidecars, of(c));
      initMax = maxLists(initMax, sidecars);
    } else initMax = maxLists(initMax, addLists(sidecars, of(c)));
  }
  let total = maxLists(addLists(sum, sidecars), initMax);
  const overhead = resourceList(spec?.overhead);
  if (which === "requests" || total.size > 0) {
    // Overhead is added to limits only for resources that have a limit.
    for (const [k, q] of overhead) {
      if (which === "limits" && !total.has(k)) continue;
      total = addLists(total, new Map([[k, q]]));
    }
  }
  return total;
}

export type { Obj };

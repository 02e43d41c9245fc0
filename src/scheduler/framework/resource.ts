/**
 * Resource amounts as plain numbers (milli-CPU, bytes, counts), parsed once
 * per object so the filter hot path never parses quantities. Pod requests
 * follow upstream resourcehelper.PodRequests: the larger of the sum of the
 * app containers (plus restartable init "sidecars") and the largest init
 * container, plus pod overhead.
 */
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { parseQuantity } from "../../api/quantity.ts";

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended and hugepages resources by name. */
  scalar: Map<string, number>;
}

/**
 * The scalar map of a Resource that has none: shared by every such Resource
 * and never written (most pods and nodes have no extended resources, and a
 * Map per Resource was a measurable share of parsing a pod).
 */
const noScalars: ReadonlyMap<string, number> = new Map();

export const emptyResource = (): Resource => ({
  milliCPU: 0,
  memory: 0,
  ephemeralStorage: 0,
  allowedPodNumber: 0,
  scalar: noScalars as Map<string, number>,
});

/** r's scalar map, made its own before its first write. */
function scalarsOf(r: Resource): Map<string, number> {
  if (r.scalar === noScalars) r.scalar = new Map();
  return r.scalar;
}

/** Upstream's defaults for pods that request nothing, used only for scoring. */
export const defaultMilliCPURequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

/** Parsed quantities by spelling ("100m", "500Mi"): pods repeat a handful of them. */
const parsedMilli = new Map<string, number>();
const parsedValue = new Map<string, number>();
const maxParsed = 4096;

function quantity(value: unknown, milli: boolean): number {
  if (value === undefined || value === null) return 0;
  const text = String(value);
  const memo = milli ? parsedMilli : parsedValue;
  let n = memo.get(text);
  if (n === undefined) {
    const r = parseQuantity(text);
    n = r.ok ? Number(milli ? r.quantity.milliValue() : r.quantity.value()) : 0;
    if (memo.size >= maxParsed) memo.clear();
    memo.set(text, n);
  }
  return n;
}

/** Adds a resource list (requests or allocatable) into `into`. */
export function addResourceList(into: Resource, list: Record<string, unknown> | undefined): void {
  if (!list) return;
  for (const [name, value] of Object.entries(list)) {
    switch (name) {
      case "cpu":
        into.milliCPU += quantity(value, true);
        break;
      case "memory":
        into.memory += quantity(value, false);
        break;
      case "ephemeral-storage":
        into.ephemeralStorage += quantity(value, false);
        break;
      case "pods":
        into.allowedPodNumber += quantity(value, false);
        break;
      default:
        if (isScalarResource(name))
          scalarsOf(into).set(name, (into.scalar.get(name) ?? 0) + quantity(value, false));
    }
  }
}

/** Extended resources (domain-qualified, not kubernetes.io/) and hugepages count; others are ignored. */
export function isScalarResource(name: string): boolean {
  if (name.startsWith("hugepages-")) return true;
  if (name.startsWith("requests.")) return false;
  if (!name.includes("/")) return false;
  return !name.startsWith("kubernetes.io/") || name.startsWith("attachable-volumes-");
}

function maxInto(into: Resource, other: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  for (const [k, v] of other.scalar) scalarsOf(into).set(k, Math.max(into.scalar.get(k) ?? 0, v));
}

export function addInto(into: Resource, other: Resource, sign = 1): void {
  into.milliCPU += sign * other.milliCPU;
  into.memory += sign * other.memory;
  into.ephemeralStorage += sign * other.ephemeralStorage;
  into.allowedPodNumber += sign * other.allowedPodNumber;
  if (other.scalar.size === 0) return;
  for (const [k, v] of other.scalar) scalarsOf(into).set(k, (into.scalar.get(k) ?? 0) + sign * v);
}

function containerRequests(c: Container): Resource {
  const r = emptyResource();
  addResourceList(r, (c.resources?.requests ?? c.resources?.limits) as Record<string, unknown>);
  if (c.resources?.requests && c.resources.limits) {
    // Limits stand in for requests only where a request is missing.
    for (const [name, value] of Object.entries(c.resources.limits)) {
      if (!(name in c.resources.requests)) addResourceList(r, { [name]: value });
    }
  }
  return r;
}

/**
 * What a pod asks of its node. With `nonZero`, containers that request no cpu
 * or memory count as 100m / 200Mi (for scoring only, as upstream).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const sum = emptyResource();
  const apply = (c: Container): Resource => {
    const r = containerRequests(c);
    if (nonZero) {
      const req = (c.resources?.requests ?? c.resources?.limits ?? {}) as Record<string, unknown>;
      if (req.cpu === undefined) r.milliCPU = defaultMilliCPURequest;
      if (req.memory === undefined) r.memory = defaultMemoryRequest;
    }
    return r;
  };
  for (const c of spec?.containers ?? []) addInto(sum, apply(c));
  // Init containers run one at a time; restartable ones keep running beside later ones.
  const initMax = emptyResource();
  const sidecars = emptyResource();
  for (const c of spec?.initContainers ?? []) {
    const r = apply(c);
    if (c.restartPolicy === "Always") {
      addInto(sidecars, r);
      const total = emptyResource();
      addInto(total, sidecars);
      maxInto(initMax, total);
    } else {
      const total = emptyResource();
      addInto(total, sidecars);
      addInto(total, r);
      maxInto(initMax, total);
    }
  }
  addInto(sum, sidecars);
  maxInto(sum, initMax);
  addResourceList(sum, spec?.overhead as Record<string, unknown> | undefined);
  sum.allowedPodNumber = 0;
  return sum;
}

/**
 * NodeResourcesFit: the pod's requests (cpu, memory, ephemeral-storage,
 * extended resources, and one pod slot) must fit the node's allocatable minus
 * what its pods request. Scores by strategy: LeastAllocated (default),
 * MostAllocated or RequestedToCapacityRatio, over weighted resources.
 */
import type {
  EnqueueExtensions,
  FilterPlugin,
  PreFilterPlugin,
  ScorePlugin,
} from "../../framework/interfaces.ts";
import { maxNodeScore } from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import type { Resource } from "../../framework/resource.ts";
import { unschedulable } from "../../framework/status.ts";

export const Name = "NodeResourcesFit";

export interface ResourceSpec {
  name: string;
  weight: number;
}

export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: "LeastAllocated" | "MostAllocated" | "RequestedToCapacityRatio";
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: UtilizationShapePoint[] };
  };
}

export const defaultResources: ResourceSpec[] = [
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
];

/** An insufficient resource, as upstream InsufficientResource. */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
}

/** Every resource the pod requests that the node cannot give (empty when it fits). */
export function fitsRequest(
  pod: PodInfo,
  node: NodeInfo,
  ignored: (name: string) => boolean = () => false,
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.size + 1 > alloc.allowedPodNumber)
    out.push({ resourceName: "pods", reason: "Too many pods" });
  const req = pod.requests;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU)
    out.push({ resourceName: "cpu", reason: "Insufficient cpu" });
  if (req.memory > 0 && req.memory > alloc.memory - used.memory)
    out.push({ resourceName: "memory", reason: "Insufficient memory" });
  if (
    req.ephemeralStorage > 0 &&
    req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage
  )
    out.push({ resourceName: "ephemeral-storage", reason: "Insufficient ephemeral-storage" });
  for (const [name, v] of req.scalar) {
    if (v <= 0 || ignored(name)) continue;
    if (v > (alloc.scalar.get(name) ?? 0) - (used.scalar.get(name) ?? 0))
      out.push({ resourceName: name, reason: `Insufficient ${name}` });
  }
  return out;
}

/** True when the pod surely fits (no extended resources asked, every basic one available): the common case, without allocating. */
function fitsQuickly(pod: PodInfo, node: NodeInfo): boolean {
  const req = pod.requests;
  return (
    req.scalar.size === 0 &&
    node.freePods >= 1 &&
    req.milliCPU <= node.freeMilliCPU &&
    req.memory <= node.freeMemory &&
    req.ephemeralStorage <= node.freeEphemeralStorage
  );
}

/** The amount of one resource (cpu in millicores, memory and storage in bytes) in r. */
export function amount(r: Resource, name: string): number {
  switch (name) {
    case "cpu":
      return r.milliCPU;
    case "memory":
      return r.memory;
    case "ephemeral-storage":
      return r.ephemeralStorage;
    default:
      return r.scalar.get(name) ?? 0;
  }
}

/** The node's allocatable amount of one resource (cpu and memory read off the NodeInfo itself). */
export function allocatableAmount(node: NodeInfo, name: string): number {
  if (name === "cpu") return node.allocMilliCPU;
  if (name === "memory") return node.allocMemory;
  return amount(node.allocatable, name);
}

/** What the node's pods request of one resource (cpu and memory read off the NodeInfo itself). */
export function requestedAmount(node: NodeInfo, name: string): number {
  if (name === "cpu") return node.reqMilliCPU;
  if (name === "memory") return node.reqMemory;
  return amount(node.requested, name);
}

/**
 * Requested (node's pods plus this pod) and allocatable of one resource.
 * With `nonZero`, cpu/memory use upstream's non-zero defaults (scoring).
 */
export function requestedAndAllocatable(
  pod: PodInfo,
  node: NodeInfo,
  name: string,
  nonZero: boolean,
): [number, number] {
  const alloc = allocatableAmount(node, name);
  if (nonZero && name === "cpu") return [node.nonZeroCPU + pod.nonZeroCPU, alloc];
  if (nonZero && name === "memory") return [node.nonZeroMemory + pod.nonZeroMemory, alloc];
  return [requestedAmount(node, name) + amount(pod.requests, name), alloc];
}

type Scorer = (requested: number, allocatable: number) => number;

const leastAllocated: Scorer = (req, alloc) =>
  alloc === 0 || req > alloc ? 0 : ((alloc - req) * maxNodeScore) / alloc;
const mostAllocated: Scorer = (req, alloc) =>
  alloc === 0 ? 0 : (Math.min(req, alloc) * maxNodeScore) / alloc;

/** Upstream's broken-linear function over a shape scored 0..10, scaled to 0..100. */
export function requestedToCapacityRatioScorer(shape: UtilizationShapePoint[]): Scorer {
  const points = [...shape]
    .sort((a, b) => a.utilization - b.utilization)
    .map((p) => ({ u: p.utilization, s: (p.score * maxNodeScore) / 10 }));
  const f = (u: number): number => {
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      if (u <= p.u) {
        if (i === 0) return p.s;
        const prev = points[i - 1]!;
        return prev.s + ((p.s - prev.s) * (u - prev.u)) / (p.u - prev.u);
      }
    }
    return points[points.length - 1]?.s ?? 0;
  };
  return (req, alloc) => (alloc === 0 ? 0 : f(Math.min(100, (req * 100) / alloc)));
}

export function newNodeResourcesFit(
  args: NodeResourcesFitArgs = {},
): PreFilterPlugin & FilterPlugin & ScorePlugin & EnqueueExtensions {
  const ignoredSet = new Set(args.ignoredResources ?? []);
  const groups = args.ignoredResourceGroups ?? [];
  const ignored = (name: string) =>
    ignoredSet.has(name) || groups.some((g) => name.startsWith(`${g}/`));
  const strategy = args.scoringStrategy?.type ?? "LeastAllocated";
  const resources = args.scoringStrategy?.resources ?? defaultResources;
  const scorer: Scorer =
    strategy === "MostAllocated"
      ? mostAllocated
      : strategy === "RequestedToCapacityRatio"
        ? requestedToCapacityRatioScorer(
            args.scoringStrategy?.requestedToCapacityRatio?.shape ?? [
              { utilization: 0, score: 10 },
              { utilization: 100, score: 0 },
            ],
          )
        : leastAllocated;
  return {
    name: Name,
    preFilter() {
      return null;
    },
    filter(_state, pod, node) {
      if (fitsQuickly(pod, node)) return null;
      const insufficient = fitsRequest(pod, node, ignored);
      return insufficient.length ? unschedulable(...insufficient.map((i) => i.reason)) : null;
    },
    score(_state, pod, node) {
      let total = 0;
      let weights = 0;
      for (const r of resources) {
        const alloc = allocatableAmount(node, r.name);
        if (alloc === 0) continue;
        const req =
          r.name === "cpu"
            ? node.nonZeroCPU + pod.nonZeroCPU
            : r.name === "memory"
              ? node.nonZeroMemory + pod.nonZeroMemory
              : amount(node.requested, r.name) + amount(pod.requests, r.name);
        total += scorer(req, alloc) * r.weight;
        weights += r.weight;
      }
      return weights === 0 ? 0 : Math.floor(total / weights);
    },
    eventsToRegister: () => [
      { resource: "Pod", actions: ["Delete"] },
      { resource: "Node", actions: ["Add", "Update"] },
    ],
  } satisfies PreFilterPlugin & FilterPlugin & ScorePlugin & EnqueueExtensions;
}

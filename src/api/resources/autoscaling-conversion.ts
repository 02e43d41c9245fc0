/**
 * Conversion of HorizontalPodAutoscalers between autoscaling/v1 and v2.
 * v1 holds only a CPU-utilization target; everything else a v2 object says
 * travels in the annotations upstream uses for the round trip
 * (autoscaling.alpha.kubernetes.io/{metrics,current-metrics,conditions,behavior}),
 * here as JSON of the v2 structures.
 */
import type { KObject } from "../types.ts";

type Obj = Record<string, unknown>;

const ANN_METRICS = "autoscaling.alpha.kubernetes.io/metrics";
const ANN_CURRENT = "autoscaling.alpha.kubernetes.io/current-metrics";
const ANN_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
const ANN_BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";

const asObj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(asObj) : []);

function isCpuUtilization(m: Obj): boolean {
  const res = asObj(m.resource);
  return m.type === "Resource" && res.name === "cpu" && asObj(res.target).type === "Utilization";
}

function takeAnnotation(meta: Obj, key: string): unknown {
  const annotations = asObj(meta.annotations);
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  delete annotations[key];
  if (Object.keys(annotations).length === 0) delete meta.annotations;
  try {
    return JSON.parse(String(raw));
  } catch {
    return undefined;
  }
}

function putAnnotation(meta: Obj, key: string, value: unknown): void {
  const annotations = asObj(meta.annotations);
  annotations[key] = JSON.stringify(value);
  meta.annotations = annotations;
}

function toV1(src: KObject): KObject {
  const out = structuredClone(src) as Obj;
  const meta = asObj(out.metadata);
  out.metadata = meta;
  const spec = asObj(out.spec);
  const metrics = asList(spec.metrics);
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  const v1spec: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) v1spec.minReplicas = spec.minReplicas;
  if (cpu)
    v1spec.targetCPUUtilizationPercentage = asObj(asObj(cpu.resource).target).averageUtilization;
  if (others.length > 0) putAnnotation(meta, ANN_METRICS, others);
  if (spec.behavior !== undefined) putAnnotation(meta, ANN_BEHAVIOR, spec.behavior);
  out.spec = v1spec;
  if (out.status !== undefined) {
    const status = asObj(out.status);
    const v1status: Obj = {};
    for (const k of ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"]) {
      if (status[k] !== undefined) v1status[k] = status[k];
    }
    const current = asList(status.currentMetrics);
    const currentCpu = current.find(
      (m) =>
        m.type === "Resource" &&
        asObj(m.resource).name === "cpu" &&
        asObj(asObj(m.resource).current).averageUtilization !== undefined,
    );
    if (currentCpu)
      v1status.currentCPUUtilizationPercentage = asObj(
        asObj(currentCpu.resource).current,
      ).averageUtilization;
    if (current.length > 0) putAnnotation(meta, ANN_CURRENT, current);
    if (asList(status.conditions).length > 0)
      putAnnotation(meta, ANN_CONDITIONS, status.conditions);
    out.status = v1status;
  }
  out.apiVersion = "autoscaling/v1";
  return out as KObject;
}

function toV2(src: KObject): KObject {
  const out = structuredClone(src) as Obj;
  const meta = asObj(out.metadata);
  out.metadata = meta;
  const spec = asObj(out.spec);
  const metrics: Obj[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === "number") {
    metrics.push({
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  }
  const extra = takeAnnotation(meta, ANN_METRICS);
  if (Array.isArray(extra)) metrics.push(...asList(extra));
  const v2spec: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) v2spec.minReplicas = spec.minReplicas;
  // Upstream's autoscaling/v2 defaulting (applied when v2 is decoded, storage
  // included) gives a v1 HPA without a CPU target the default 80% CPU metric.
  if (metrics.length === 0) {
    metrics.push({
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
    });
  }
  v2spec.metrics = metrics;
  const behavior = takeAnnotation(meta, ANN_BEHAVIOR);
  if (behavior !== undefined) v2spec.behavior = behavior;
  out.spec = v2spec;
  const current = takeAnnotation(meta, ANN_CURRENT);
  const conditions = takeAnnotation(meta, ANN_CONDITIONS);
  if (out.status !== undefined) {
    const status = asObj(out.status);
    const v2status: Obj = {};
    for (const k of ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"]) {
      if (status[k] !== undefined) v2status[k] = status[k];
    }
    if (Array.isArray(current)) v2status.currentMetrics = current;
    else if (typeof status.currentCPUUtilizationPercentage === "number") {
      v2status.currentMetrics = [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            current: { averageUtilization: status.currentCPUUtilizationPercentage },
          },
        },
      ];
    }
    if (Array.isArray(conditions)) v2status.conditions = conditions;
    out.status = v2status;
  }
  out.apiVersion = "autoscaling/v2";
  return out as KObject;
}

/**
 * Returns a copy of `obj` (autoscaling/v1 or v2) in `toVersion`
 * ("v1", "v2", "autoscaling/v1" or "autoscaling/v2").
 */
export function convertHPA(obj: KObject, toVersion: string): KObject {
  const target = toVersion.replace(/^autoscaling\//, "");
  const from = String(obj.apiVersion ?? "autoscaling/v2").replace(/^autoscaling\//, "");
  if (from === target) {
    const copy = structuredClone(obj);
    copy.apiVersion = `autoscaling/${target}`;
    return copy;
  }
  if (target === "v1") return toV1(obj);
  if (target === "v2") return toV2(obj);
  throw new Error(
    `Cannot convert HorizontalPodAutoscaler to autoscaling/${target}: unknown version`,
  );
}

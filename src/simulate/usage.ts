/**
 * The resource usage simulated containers report: a fraction of their
 * requests (per the profile), or the per-container amounts a pod asks for in
 * the simulate.k8ts.io/cpu-usage and memory-usage annotations.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { quantityValue } from "../kubelet/pod/qos.ts";
import { cpuUsageAnnotation, memoryUsageAnnotation, type SimulationProfile } from "./profile.ts";

export interface ContainerUsage {
  /** CPU in nanocores (1 core = 1e9). */
  cpuNanoCores: number;
  /** Memory working set in bytes. */
  memoryBytes: number;
}

const defaultCpuMilli = 100;
const defaultMemory = 16 * 2 ** 20;

/** Usage of one container of pod (zero for a container the pod does not have). */
export function containerUsage(
  pod: Pod,
  containerName: string,
  profile: Pick<SimulationProfile, "cpuUsageFraction" | "memoryUsageFraction">,
): ContainerUsage {
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (x) => x.name === containerName,
  );
  if (!c) return { cpuNanoCores: 0, memoryBytes: 0 };
  const ann = pod.metadata?.annotations ?? {};
  const req = c.resources?.requests ?? {};
  const cpuMilli =
    ann[cpuUsageAnnotation] !== undefined
      ? quantityValue(ann[cpuUsageAnnotation], true)
      : (req.cpu !== undefined ? quantityValue(req.cpu, true) : defaultCpuMilli) *
        profile.cpuUsageFraction;
  const memoryBytes =
    ann[memoryUsageAnnotation] !== undefined
      ? quantityValue(ann[memoryUsageAnnotation])
      : (req.memory !== undefined ? quantityValue(req.memory) : defaultMemory) *
        profile.memoryUsageFraction;
  return { cpuNanoCores: Math.round(cpuMilli * 1e6), memoryBytes: Math.round(memoryBytes) };
}

/**
 * QoS classes and what follows from them (upstream pkg/apis/core/v1/helper/qos
 * and pkg/kubelet/qos, cm): the pod's cgroup parent and the containers'
 * OOM score adjustment (clamped to >= 0 here: see RUNTIME-NOTES).
 */
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { parseQuantity } from "../../api/quantity.ts";

export type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";

const tracked = ["cpu", "memory"];

/** The quantity's value as a number (cpu in millicores when milli is set). */
export function quantityValue(q: string | number | undefined, milli = false): number {
  if (q === undefined) return 0;
  const r = parseQuantity(String(q));
  if (!r.ok) return 0;
  return Number(milli ? r.quantity.milliValue() : r.quantity.value());
}

/** Upstream GetPodQOS over init and regular containers. */
export function podQOS(pod: Pod): QOSClass {
  const containers: Container[] = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
  ];
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of tracked) {
      const rv = quantityValue(req[r] as string | undefined, true);
      if (rv > 0) requests.set(r, (requests.get(r) ?? 0) + rv);
      const lv = quantityValue(lim[r] as string | undefined, true);
      if (lv > 0) limits.set(r, (limits.get(r) ?? 0) + lv);
    }
    for (const r of tracked) {
      const lv = lim[r];
      if (lv === undefined || quantityValue(lv as string, true) === 0) guaranteed = false;
      const rv = req[r];
      if (
        rv !== undefined &&
        lv !== undefined &&
        quantityValue(rv as string, true) !== quantityValue(lv as string, true)
      )
        guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed && tracked.every((r) => limits.has(r))) return "Guaranteed";
  return "Burstable";
}

/** `<root>/pod<uid>` for Guaranteed, `<root>/burstable/pod<uid>`, `<root>/besteffort/pod<uid>`. */
export function podCgroupParent(root: string, qos: QOSClass, uid: string): string {
  const base = root.replace(/\/+$/, "");
  if (qos === "Guaranteed") return `${base}/pod${uid}`;
  return `${base}/${qos.toLowerCase()}/pod${uid}`;
}

/** Upstream GetContainerOOMScoreAdjust, clamped to [0, 1000] (no CAP_SYS_RESOURCE here). */
export function oomScoreAdj(qos: QOSClass, memoryRequest: number, memoryCapacity: number): number {
  if (qos === "Guaranteed") return 0;
  if (qos === "BestEffort") return 1000;
  const adj = 1000 - Math.floor((1000 * memoryRequest) / Math.max(1, memoryCapacity));
  return Math.min(999, Math.max(2, adj));
}

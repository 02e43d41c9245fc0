/**
 * Where the HPA controller reads resource metrics: metrics.k8s.io/v1beta1
 * PodMetrics through the API server (as upstream's resource metrics
 * client). Values are milli-units (CPU millicores, memory milli-bytes).
 */
import type { RestClient } from "../../client/rest-client.ts";
import { quantityValue } from "../../kubelet/pod/qos.ts";
import type { PodMetrics } from "./replica-calculator.ts";

export interface ResourceMetricsSource {
  /**
   * Usage of resource by each pod matching selector in namespace (summed over
   * its containers, or only `container`). Pods lacking the resource in any
   * counted container are left out. Throws when nothing could be read.
   */
  getResourceMetric(
    resource: string,
    namespace: string,
    selector: string,
    container?: string,
  ): Promise<PodMetrics>;
}

interface PodMetricsItem {
  metadata?: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

/** "15s", "1m30s", "10.5s" → ms (upstream metrics-server windows). */
export function parseWindow(w: string | undefined): number {
  if (!w) return 0;
  let ms = 0;
  for (const [, n, unit] of w.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g))
    ms += Number(n) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[unit as "s"];
  return ms;
}

/** Reads PodMetrics from /apis/metrics.k8s.io/v1beta1. */
export class ApiMetricsSource implements ResourceMetricsSource {
  constructor(private readonly client: RestClient) {}

  async getResourceMetric(
    resource: string,
    namespace: string,
    selector: string,
    container?: string,
  ): Promise<PodMetrics> {
    const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : "";
    const list = await this.client.request<{ items?: PodMetricsItem[] }>(
      "GET",
      `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${q}`,
    );
    const items = list.items ?? [];
    if (items.length === 0) throw new Error("no metrics returned from resource metrics API");
    const out: PodMetrics = new Map();
    for (const item of items) {
      let sum = 0;
      let missing = false;
      let counted = 0;
      for (const c of item.containers ?? []) {
        if (container && c.name !== container) continue;
        const v = c.usage?.[resource];
        if (v === undefined) {
          missing = true;
          break;
        }
        sum += quantityValue(v, true);
        counted++;
      }
      if (missing || (container && counted === 0)) continue;
      out.set(item.metadata?.name ?? "", {
        value: sum,
        timestamp: item.timestamp ? Date.parse(item.timestamp) : 0,
        windowMs: parseWindow(item.window),
      });
    }
    return out;
  }
}

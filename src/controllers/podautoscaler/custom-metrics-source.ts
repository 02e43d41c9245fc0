/**
 * Where the HPA controller reads Pods, Object and External metrics (upstream
 * customMetricsClient and externalMetricsClient): custom.metrics.k8s.io/v1beta2
 * and external.metrics.k8s.io/v1beta1, both served by extension API servers
 * behind the API server's aggregation layer. Values are milli-units.
 */
import type { RestClient } from "../../client/rest-client.ts";
import { quantityValue } from "../../kubelet/pod/qos.ts";
import type { PodMetrics } from "./replica-calculator.ts";

/** The object an Object metric describes (autoscaling/v2 CrossVersionObjectReference). */
export interface DescribedObject {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface CustomMetricsSource {
  /**
   * upstream GetRawMetric: metric of each pod matching selector (one value
   * per pod name). Throws when the API fails or returns nothing.
   */
  getRawMetric(
    metric: string,
    namespace: string,
    selector: string,
    metricSelector: string,
  ): Promise<PodMetrics>;
  /** upstream GetObjectMetric: the metric of one object. */
  getObjectMetric(
    metric: string,
    namespace: string,
    object: DescribedObject,
    metricSelector: string,
  ): Promise<{ value: number; timestamp: number }>;
  /** upstream GetExternalMetric: every series of the metric matching metricSelector. */
  getExternalMetric(
    metric: string,
    namespace: string,
    metricSelector: string,
  ): Promise<{ values: number[]; timestamp: number }>;
}

/** custom.metrics.k8s.io MetricValue (v1beta2). */
interface MetricValue {
  describedObject?: { kind?: string; name?: string; namespace?: string };
  metric?: { name?: string };
  timestamp?: string;
  windowSeconds?: number;
  value?: string;
}

/** external.metrics.k8s.io ExternalMetricValue (v1beta1). */
interface ExternalMetricValue {
  metricName?: string;
  timestamp?: string;
  window?: number;
  value?: string;
}

export const customMetricsGroupVersion = "custom.metrics.k8s.io/v1beta2";
export const externalMetricsGroupVersion = "external.metrics.k8s.io/v1beta1";

/** Plural resource of kind, with its group ("Deployment", "apps/v1" → "deployments.apps"). */
export function groupResource(apiVersion: string | undefined, kind: string): string {
  const group = apiVersion?.includes("/") ? apiVersion.split("/")[0] : "";
  const lower = kind.toLowerCase();
  const plural = /(s|x|ch|sh)$/.test(lower)
    ? `${lower}es`
    : /[^aeiou]y$/.test(lower)
      ? `${lower.slice(0, -1)}ies`
      : `${lower}s`;
  return group ? `${plural}.${group}` : plural;
}

function query(params: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

const e = encodeURIComponent;
const msg = (err: unknown) => (err instanceof Error ? err.message : String(err));
const time = (t: string | undefined) => (t ? Date.parse(t) : 0);

/** Reads the custom and external metrics APIs through the API server. */
export class ApiCustomMetricsSource implements CustomMetricsSource {
  constructor(private readonly client: RestClient) {}

  private async fetch<T>(api: "custom" | "external", path: string): Promise<T[]> {
    const gv = api === "custom" ? customMetricsGroupVersion : externalMetricsGroupVersion;
    let list: { items?: T[] };
    try {
      list = await this.client.request<{ items?: T[] }>("GET", `/apis/${gv}${path}`);
    } catch (err) {
      throw new Error(`unable to fetch metrics from ${api} metrics API: ${msg(err)}`);
    }
    const items = list.items ?? [];
    if (items.length === 0) throw new Error(`no metrics returned from ${api} metrics API`);
    return items;
  }

  async getRawMetric(
    metric: string,
    namespace: string,
    selector: string,
    metricSelector: string,
  ): Promise<PodMetrics> {
    const items = await this.fetch<MetricValue>(
      "custom",
      `/namespaces/${e(namespace)}/pods/*/${e(metric)}${query({
        labelSelector: selector,
        metricLabelSelector: metricSelector,
      })}`,
    );
    const out: PodMetrics = new Map();
    for (const m of items)
      out.set(m.describedObject?.name ?? "", {
        value: quantityValue(m.value ?? "0", true),
        timestamp: time(m.timestamp),
        // upstream: a missing window means the default of one minute.
        windowMs: m.windowSeconds !== undefined ? m.windowSeconds * 1000 : 60_000,
      });
    return out;
  }

  async getObjectMetric(
    metric: string,
    namespace: string,
    object: DescribedObject,
    metricSelector: string,
  ): Promise<{ value: number; timestamp: number }> {
    const q = query({ metricLabelSelector: metricSelector });
    const path =
      object.kind === "Namespace"
        ? `/namespaces/${e(object.name)}/metrics/${e(metric)}${q}`
        : `/namespaces/${e(namespace)}/${groupResource(object.apiVersion, object.kind)}/${e(
            object.name,
          )}/${e(metric)}${q}`;
    const [m] = await this.fetch<MetricValue>("custom", path);
    return { value: quantityValue(m!.value ?? "0", true), timestamp: time(m!.timestamp) };
  }

  async getExternalMetric(
    metric: string,
    namespace: string,
    metricSelector: string,
  ): Promise<{ values: number[]; timestamp: number }> {
    const items = await this.fetch<ExternalMetricValue>(
      "external",
      `/namespaces/${e(namespace)}/${e(metric)}${query({ labelSelector: metricSelector })}`,
    );
    return {
      values: items.map((m) => quantityValue(m.value ?? "0", true)),
      timestamp: time(items[0]!.timestamp),
    };
  }
}

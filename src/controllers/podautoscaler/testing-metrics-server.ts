/**
 * A small custom/external metrics API server for tests (the role of
 * prometheus-adapter or KEDA's metrics server): HTTPS on 127.0.0.1, port 0,
 * its own CA, serving custom.metrics.k8s.io/v1beta2 and
 * external.metrics.k8s.io/v1beta1 from values the test sets. Register it
 * with two APIServices pointing at a Service whose Endpoints are 127.0.0.1.
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { parseLabelSelector } from "../../api/selectors/label-selector.ts";
import { issueCertificate } from "../../pki/self-signed.ts";

export interface TestMetricsServer {
  port: number;
  /** The CA as APIService spec.caBundle wants it (base64 PEM). */
  caBundle: string;
  /** Pods metrics: metric name → pod name → quantity. */
  podMetrics: Map<string, Map<string, string>>;
  /** Object metrics: "<resource>/<name>/<metric>" (resource as in the URL, e.g. "services") → quantity. */
  objectMetrics: Map<string, string>;
  /** External metrics: metric name → series (labels, quantity). */
  externalMetrics: Map<string, { labels: Record<string, string>; value: string }[]>;
  /** Path and query of every metric request received (not discovery). */
  requests: string[];
  close(): Promise<void>;
}

const customGV = "custom.metrics.k8s.io/v1beta2";
const externalGV = "external.metrics.k8s.io/v1beta1";

function matches(selector: string | null, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const parsed = parseLabelSelector(selector);
  return parsed.ok && parsed.selector.matches(labels);
}

/** Starts the server; its certificate names `<service>.<namespace>.svc` and 127.0.0.1. */
export async function startMetricsServer(opts: {
  service: string;
  namespace: string;
}): Promise<TestMetricsServer> {
  const ca = await issueCertificate({ commonName: "metrics-test-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: `${opts.service}.${opts.namespace}.svc`,
    usage: "server",
    signer: ca,
    dnsNames: [`${opts.service}.${opts.namespace}.svc`],
    ipAddresses: ["127.0.0.1"],
  });
  const state: Omit<TestMetricsServer, "port" | "caBundle" | "close"> = {
    podMetrics: new Map(),
    objectMetrics: new Map(),
    externalMetrics: new Map(),
    requests: [],
  };
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const server: Server = createServer(
    { cert: serving.certPem, key: serving.keyPem },
    (req, res) => {
      const url = new URL(req.url ?? "/", "https://x");
      const path = url.pathname.replace(/\/+$/, "");
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const notFound = (message: string) =>
        send(404, {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "NotFound",
          code: 404,
          message,
        });
      for (const gv of [customGV, externalGV])
        if (path === `/apis/${gv}`)
          return send(200, {
            kind: "APIResourceList",
            apiVersion: "v1",
            groupVersion: gv,
            resources: [],
          });
      state.requests.push(`${url.pathname}${url.search}`);
      const custom = path.match(
        new RegExp(
          `^/apis/${customGV.replace(/\./g, "\\.")}/namespaces/([^/]+)/([^/]+)/([^/]+)/([^/]+)$`,
        ),
      );
      if (custom) {
        const [, ns, resource, name, metric] = custom.map(decodeURIComponent) as string[];
        const item = (kind: string, objName: string, value: string) => ({
          describedObject: { kind, namespace: ns, name: objName, apiVersion: "/v1" },
          metric: { name: metric },
          timestamp: now(),
          windowSeconds: 60,
          value,
        });
        if (resource === "pods" && name === "*") {
          const values = state.podMetrics.get(metric!);
          if (!values) return notFound(`the server could not find the metric ${metric} for pods`);
          return send(200, {
            kind: "MetricValueList",
            apiVersion: customGV,
            metadata: {},
            items: [...values].map(([pod, v]) => item("Pod", pod, v)),
          });
        }
        const value = state.objectMetrics.get(`${resource}/${name}/${metric}`);
        if (value === undefined)
          return notFound(`the server could not find the metric ${metric} for ${resource} ${name}`);
        return send(200, {
          kind: "MetricValueList",
          apiVersion: customGV,
          metadata: {},
          items: [item(resource!, name!, value)],
        });
      }
      const external = path.match(
        new RegExp(`^/apis/${externalGV.replace(/\./g, "\\.")}/namespaces/([^/]+)/([^/]+)$`),
      );
      if (external) {
        const metric = decodeURIComponent(external[2]!);
        const series = state.externalMetrics.get(metric);
        if (!series) return notFound(`the server could not find the external metric ${metric}`);
        const selector = url.searchParams.get("labelSelector");
        return send(200, {
          kind: "ExternalMetricValueList",
          apiVersion: externalGV,
          metadata: {},
          items: series
            .filter((s) => matches(selector, s.labels))
            .map((s) => ({
              metricName: metric,
              metricLabels: s.labels,
              timestamp: now(),
              value: s.value,
            })),
        });
      }
      notFound(`no handler for ${path}`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    ...state,
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

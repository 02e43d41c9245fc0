/**
 * kube-proxy's metrics (upstream names, subsystem "kubeproxy"), in a
 * registry of their own per proxier: no process-global state.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Upstream's buckets for sync durations: exponential from 1 ms, x2, 15 buckets. */
const syncBuckets = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly syncDuration: Histogram;
  readonly syncFullDuration: Histogram;
  readonly syncPartialDuration: Histogram;
  readonly networkProgrammingDuration: Histogram;
  readonly lastSyncTimestamp: Gauge;
  readonly restoreFailures: Counter;
  readonly iptablesRules: Gauge<"table">;
  readonly serviceChanges: Counter;
  readonly endpointChanges: Counter;

  constructor() {
    const registers = [this.registry];
    this.syncDuration = new Histogram({
      name: "kubeproxy_sync_proxy_rules_duration_seconds",
      help: "SyncProxyRules latency in seconds",
      buckets: syncBuckets,
      registers,
    });
    this.syncFullDuration = new Histogram({
      name: "kubeproxy_sync_full_proxy_rules_duration_seconds",
      help: "SyncProxyRules latency in seconds for full resyncs",
      buckets: syncBuckets,
      registers,
    });
    this.syncPartialDuration = new Histogram({
      name: "kubeproxy_sync_partial_proxy_rules_duration_seconds",
      help: "SyncProxyRules latency in seconds for partial resyncs",
      buckets: syncBuckets,
      registers,
    });
    this.networkProgrammingDuration = new Histogram({
      name: "kubeproxy_network_programming_duration_seconds",
      help: "In Cluster Network Programming Latency in seconds",
      buckets: [0.25, 0.5, 1, 2, 3, 4, 5, 10, 20, 30, 60, 120, 300],
      registers,
    });
    this.lastSyncTimestamp = new Gauge({
      name: "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
      help: "The last time proxy rules were successfully synced",
      registers,
    });
    this.restoreFailures = new Counter({
      name: "kubeproxy_sync_proxy_rules_iptables_restore_failures_total",
      help: "Cumulative proxy iptables restore failures",
      registers,
    });
    this.iptablesRules = new Gauge({
      name: "kubeproxy_sync_proxy_rules_iptables_total",
      help: "Total number of iptables rules owned by kube-proxy",
      labelNames: ["table"],
      registers,
    });
    this.serviceChanges = new Counter({
      name: "kubeproxy_sync_proxy_rules_service_changes_total",
      help: "Cumulative proxy rules Service changes",
      registers,
    });
    this.endpointChanges = new Counter({
      name: "kubeproxy_sync_proxy_rules_endpoint_changes_total",
      help: "Cumulative proxy rules Endpoint changes",
      registers,
    });
  }
}

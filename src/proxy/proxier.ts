/**
 * The iptables proxier: keeps the Services and EndpointSlices it is told
 * about, and on a rate-limited schedule (minSyncPeriod, syncPeriod) writes
 * the nat and filter rules with `iptables-restore --noflush` (a partial
 * sync in one transaction; a full one with iptables-nft in several, see
 * proxy-rules.ts). A partial sync's work grows with the services that
 * changed, not with all services.
 * Syncs are partial (only changed services' chains) unless this is the
 * first sync, the last sync failed, or a full sync is older than
 * fullSyncPeriod (upstream's FullSyncPeriod, one hour): periodic syncs
 * (syncPeriod) are partial otherwise, as upstream's since v1.27.
 */
import type { Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { realClock, type Clock } from "../client/clock.ts";
import type { Logger } from "../util/logger.ts";
import { BoundedFrequencyRunner } from "./bounded-frequency-runner.ts";
import { ConntrackCleaner, UdpTracker } from "./conntrack.ts";
import { endpointsByServicePort, sliceServiceKey, type EndpointInfo } from "./endpoint-info.ts";
import type { HostExec } from "./host-exec.ts";
import { detectBackend, Iptables, type IptablesBackend } from "./iptables/iptables.ts";
import { ChainNameCache } from "./iptables/chain-names.ts";
import { buildProxyRules } from "./iptables/proxy-rules.ts";
import { RuleCache } from "./iptables/rule-cache.ts";
import { ProxyMetrics } from "./proxy-metrics.ts";
import { servicePorts, type ServicePortInfo } from "./service-port.ts";
import type { ServiceHealthServer } from "./service-health-server.ts";
import { ServiceRoutes } from "./service-routes.ts";

export interface ProxierOptions {
  exec: HostExec;
  nodeName: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  masqueradeAll?: boolean;
  /** Upstream --iptables-min-sync-period (default 1 s). */
  minSyncPeriodMs?: number;
  /** Upstream --iptables-sync-period: periodic syncs (default 30 s). */
  syncPeriodMs?: number;
  /** Upstream's FullSyncPeriod: a sync after this long since the last full one is full (default 1 h). */
  fullSyncPeriodMs?: number;
  /**
   * iptables-nft only: service ports per COMMIT in a full sync's restore
   * (default 250; 0: one transaction). Its restore slows down faster than
   * linearly with the chains in one transaction.
   */
  fullSyncBatchPorts?: number;
  /** Route ClusterIPs through a local device so the node itself reaches them (default true). */
  serviceRoutes?: boolean;
  /** iptables implementation; "auto" (default): legacy when the kernel has it. */
  iptablesBackend?: IptablesBackend | "auto";
  /** This node's IP (loadBalancerSourceRanges containing it admit the node's own LB traffic). */
  nodeIP?: string;
  /** Delete stale UDP conntrack entries after syncs (default true; needs the conntrack tool). */
  clearConntrack?: boolean;
  /** Health check node ports of Local LoadBalancer services, kept after each sync. */
  serviceHealth?: ServiceHealthServer;
  /** NodePorts answer on 127.0.0.1 (sets route_localnet, default true). */
  localhostNodePorts?: boolean;
  clock?: Clock;
  log?: Logger;
}

/** What one sync did. */
export interface SyncResult {
  ok: boolean;
  full: boolean;
  durationSeconds: number;
  /** Of which: building the rules (ours) and iptables-restore (the kernel tables). */
  generateSeconds?: number;
  restoreSeconds?: number;
  servicesWritten: number;
  /** False when a partial sync left the top-level chains untouched. */
  topLevelWritten?: boolean;
  natRules: number;
  filterRules: number;
  error?: string;
}

/** Upstream's largeClusterEndpointsThreshold. */
export const largeClusterEndpointsThreshold = 1000;

const triggerAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

function key(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? "default"}/${o.metadata?.name ?? ""}`;
}

export class Proxier {
  readonly metrics = new ProxyMetrics();
  /** Set by the first sync (the backend is detected then). */
  iptables?: Iptables;
  private readonly names = new ChainNameCache();
  private readonly rules = new RuleCache();
  readonly routes: ServiceRoutes;
  private readonly conntrack: ConntrackCleaner;
  private readonly udp = new UdpTracker();
  private readonly clock: Clock;
  private readonly runner: BoundedFrequencyRunner;
  private services = new Map<string, ServicePortInfo[]>();
  private slices = new Map<string, Map<string, EndpointSlice>>();
  private endpoints = new Map<string, Map<string, EndpointInfo[]>>();
  /** The same endpoints keyed by service port id alone, and their count. */
  private portEndpoints = new Map<string, EndpointInfo[]>();
  private endpointTotal = 0;
  private changed = new Set<string>();
  /** Whether ClusterIPs may have changed since the service routes were synced. */
  private routesStale = true;
  private triggerTimes: number[] = [];
  private needFullSync = true;
  private largeCluster = false;
  private initialized = false;
  private lastSyncAt?: number;
  private lastFullSyncAt?: number;
  private queuedAt?: number;
  /** The result of the most recent sync (for tests and the bench). */
  lastResult?: SyncResult;

  constructor(private readonly opts: ProxierOptions) {
    this.clock = opts.clock ?? realClock;
    this.routes = new ServiceRoutes(opts.exec);
    this.conntrack = new ConntrackCleaner(opts.exec, opts.log);
    this.runner = new BoundedFrequencyRunner(() => this.sync().then(() => {}), {
      minIntervalMs: opts.minSyncPeriodMs ?? 1000,
      maxIntervalMs: opts.syncPeriodMs ?? 30_000,
      clock: this.clock,
    });
  }

  onServiceAdd(svc: Service): void {
    this.onServiceUpdate(undefined, svc);
  }

  onServiceUpdate(_old: Service | undefined, svc: Service): void {
    const k = key(svc);
    const ports = servicePorts(svc);
    const prev = this.services.get(k);
    if (prev && JSON.stringify(prev) === JSON.stringify(ports)) return;
    if (ports.length > 0) this.services.set(k, ports);
    else this.services.delete(k);
    this.routesStale = true;
    this.metrics.serviceChanges.inc();
    this.markChanged(k);
  }

  onServiceDelete(svc: Service): void {
    const k = key(svc);
    if (!this.services.delete(k)) return;
    this.routesStale = true;
    this.metrics.serviceChanges.inc();
    this.markChanged(k);
  }

  onEndpointSliceAdd(slice: EndpointSlice): void {
    this.onEndpointSliceUpdate(undefined, slice);
  }

  onEndpointSliceUpdate(_old: EndpointSlice | undefined, slice: EndpointSlice): void {
    const svc = sliceServiceKey(slice);
    if (!svc) return;
    let m = this.slices.get(svc);
    if (!m) this.slices.set(svc, (m = new Map()));
    m.set(slice.metadata?.name ?? "", slice);
    this.endpointsChanged(svc, slice);
  }

  onEndpointSliceDelete(slice: EndpointSlice): void {
    const svc = sliceServiceKey(slice);
    if (!svc) return;
    const m = this.slices.get(svc);
    if (!m?.delete(slice.metadata?.name ?? "")) return;
    if (m.size === 0) this.slices.delete(svc);
    this.endpointsChanged(svc, slice);
  }

  /** Called once the Service and EndpointSlice caches have synced; allows syncs. */
  setInitialized(): void {
    this.initialized = true;
    this.runner.start();
    this.runner.run();
  }

  /** Resolves when no sync is running or pending. */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** Upstream's healthz contract: unhealthy when queued changes wait too long unsynced. */
  health(): { healthy: boolean; lastUpdated?: number; currentTime: number } {
    const now = this.clock.now();
    const timeout = 2 * (this.opts.syncPeriodMs ?? 30_000);
    const healthy = this.queuedAt === undefined || now - this.queuedAt < timeout;
    return { healthy, lastUpdated: this.lastSyncAt, currentTime: now };
  }

  stop(): void {
    this.runner.stop();
  }

  /**
   * Runs one sync now (the runner calls this; tests and the bench may too);
   * `forceFull` rewrites every chain even when a partial sync would do.
   */
  async sync(forceFull = false): Promise<SyncResult> {
    // In large-cluster mode every endpoint rule changes shape: a switch needs a full sync.
    const large = this.endpointTotal > largeClusterEndpointsThreshold;
    if (large !== this.largeCluster) this.needFullSync = true;
    this.largeCluster = large;
    const fullEvery = this.opts.fullSyncPeriodMs ?? 3_600_000;
    const stale =
      this.lastFullSyncAt === undefined || this.clock.now() - this.lastFullSyncAt >= fullEvery;
    const full = this.needFullSync || forceFull || stale;
    const started = process.hrtime.bigint();
    const changed = full ? undefined : new Set(this.changed);
    const pendingChanges = [...this.changed];
    this.changed.clear();
    const triggers = this.triggerTimes.splice(0);
    const queuedAt = this.queuedAt;
    this.queuedAt = undefined;
    try {
      const existingChains = full ? await this.prepareNode() : new Set<string>();
      const iptables = this.iptables!;
      const building = process.hrtime.bigint();
      const rules = buildProxyRules({
        services: this.services,
        endpoints: this.portEndpoints,
        clusterCIDR: this.opts.clusterCIDR,
        serviceCIDR: this.opts.serviceCIDR,
        masqueradeAll: this.opts.masqueradeAll,
        nodeIP: this.opts.nodeIP,
        changed,
        existingChains,
        names: this.names,
        cache: this.rules,
        largeCluster: large,
        batchSize:
          iptables.backend === "nft"
            ? (this.opts.fullSyncBatchPorts ?? 1000) || undefined
            : undefined,
      });
      const generated = process.hrtime.bigint();
      if (rules.restore) await iptables.restore(rules.restore);
      const restored = process.hrtime.bigint();
      if (this.opts.serviceRoutes !== false && (full || this.routesStale)) {
        this.routesStale = false;
        await this.routes.sync(this.clusterIPs());
      }
      this.needFullSync = false;
      await this.syncServiceHealth();
      await this.clearStaleUdp(changed);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.syncDuration.observe(seconds);
      (full ? this.metrics.syncFullDuration : this.metrics.syncPartialDuration).observe(seconds);
      this.lastSyncAt = this.clock.now();
      if (full) this.lastFullSyncAt = this.lastSyncAt;
      this.metrics.lastSyncTimestamp.set(this.lastSyncAt / 1000);
      this.metrics.iptablesRules.set({ table: "nat" }, rules.natRules);
      this.metrics.iptablesRules.set({ table: "filter" }, rules.filterRules);
      for (const t of triggers) {
        this.metrics.networkProgrammingDuration.observe(Math.max(0, this.lastSyncAt - t) / 1000);
      }
      this.lastResult = {
        ok: true,
        full,
        durationSeconds: seconds,
        generateSeconds: Number(generated - building) / 1e9,
        restoreSeconds: Number(restored - generated) / 1e9,
        servicesWritten: rules.written,
        topLevelWritten: rules.topLevelWritten,
        natRules: rules.natRules,
        filterRules: rules.filterRules,
      };
    } catch (err) {
      this.metrics.restoreFailures.inc();
      this.needFullSync = true;
      for (const k of pendingChanges) this.changed.add(k);
      this.queuedAt ??= queuedAt ?? this.clock.now();
      this.opts.log?.error("sync proxy rules failed", { err: String(err) });
      this.lastResult = {
        ok: false,
        full,
        durationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
        servicesWritten: 0,
        natRules: 0,
        filterRules: 0,
        error: String(err),
      };
    }
    return this.lastResult;
  }

  /** After rules changed: UDP flows of the `changed` services (all when undefined) pinned to gone endpoints. */
  private async clearStaleUdp(changed?: ReadonlySet<string>): Promise<void> {
    if (this.opts.clearConntrack === false) return;
    const keys = changed ?? new Set([...this.services.keys(), ...this.udp.services()]);
    await this.conntrack.clear(this.udp.update(keys, this.services, this.portEndpoints));
  }

  /** Upstream: one health check port per service; the count is its local ready endpoints. */
  private async syncServiceHealth(): Promise<void> {
    const health = this.opts.serviceHealth;
    if (!health) return;
    const wanted = new Map<string, number>();
    const counts = new Map<string, number>();
    for (const [k, ports] of this.services) {
      const port = ports.find((p) => p.healthCheckNodePort !== undefined)?.healthCheckNodePort;
      if (port === undefined) continue;
      wanted.set(k, port);
      let n = 0;
      for (const eps of this.endpoints.get(k)?.values() ?? [])
        n = Math.max(n, eps.filter((e) => e.isLocal && e.ready).length);
      counts.set(k, n);
    }
    try {
      await health.syncServices(wanted);
    } catch (err) {
      this.opts.log?.warn("cannot sync service health checks", { err: String(err) });
    }
    health.syncEndpoints(counts);
  }

  private markChanged(svcKey: string): void {
    this.changed.add(svcKey);
    this.queuedAt ??= this.clock.now();
    if (this.initialized) this.runner.run();
  }

  private endpointsChanged(svc: string, slice: EndpointSlice): void {
    const next = endpointsByServicePort(
      [...(this.slices.get(svc)?.values() ?? [])],
      this.opts.nodeName,
    );
    const prev = this.endpoints.get(svc);
    if (prev && JSON.stringify([...prev]) === JSON.stringify([...next])) return;
    for (const [id, eps] of prev ?? []) {
      this.portEndpoints.delete(id);
      this.endpointTotal -= eps.length;
    }
    for (const [id, eps] of next) {
      this.portEndpoints.set(id, eps);
      this.endpointTotal += eps.length;
    }
    if (next.size > 0) this.endpoints.set(svc, next);
    else this.endpoints.delete(svc);
    const t = Date.parse(slice.metadata?.annotations?.[triggerAnnotation] ?? "");
    if (!Number.isNaN(t)) this.triggerTimes.push(t);
    this.metrics.endpointChanges.inc();
    this.markChanged(svc);
  }

  private clusterIPs(): Set<string> {
    const out = new Set<string>();
    for (const ports of this.services.values())
      for (const p of ports) for (const ip of p.clusterIPs) out.add(ip);
    return out;
  }

  /** Jumps, chains, sysctls and the service route device (idempotent); returns the service chains. */
  private async prepareNode(): Promise<Set<string>> {
    if (!this.iptables) {
      const b = this.opts.iptablesBackend ?? "auto";
      this.iptables = new Iptables(
        this.opts.exec,
        b === "auto" ? await detectBackend(this.opts.exec) : b,
      );
      this.opts.log?.info("iptables backend", { backend: this.iptables.backend });
    }
    const chains = await this.iptables.ensureJumps();
    if (this.opts.localhostNodePorts !== false) {
      await this.opts.exec("sysctl", ["-qw", "net.ipv4.conf.all.route_localnet=1"]);
    }
    if (this.opts.serviceRoutes !== false) await this.routes.ensureDevice();
    return chains;
  }
}

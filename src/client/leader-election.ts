/**
 * Leader election over a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection: try to acquire every retryPeriod; once leading, renew every
 * retryPeriod and give up leadership if no renewal succeeds within
 * renewDeadline. Another candidate may take over only after leaseDuration has
 * passed (on its own clock) without the record changing.
 *
 * Two differences from client-go, both on the candidate's side and neither
 * shortening the wait: while run() runs, the candidate also watches its
 * Lease, so a renewal is observed when it is written rather than at the next
 * retry tick (client-go only polls, so its observedTime lags the record by up
 * to a retry period plus jitter); and a candidate whose observed lease ends
 * before its next retry tick wakes when it ends instead of at the tick. So a
 * dead leader's lease is taken over leaseDuration after its last renewal
 * (plus request latency), not up to two retry periods later; the upstream
 * bound of leaseDuration + retryPeriod after a leader dies holds with room.
 * Polling every retryPeriod stays (the watch may lag or break; a later
 * observation only delays a takeover, never hastens it); a candidate not
 * allowed to watch leases (403) only polls, so its takeover comes up to a
 * retry period later (still within leaseDuration + retryPeriod of the last
 * renewal).
 */
import type { KObject } from "../api/types.ts";
import { ApiError, isAlreadyExists, isConflict, isNotFound } from "./api-error.ts";
import { realClock, sleep, type Clock } from "./clock.ts";
import type { RestClient } from "./rest-client.ts";
import { leasesRef } from "./resources.ts";

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  /** Defaults as upstream: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KObject & { spec?: LeaseSpec };

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private observedRecord = "";
  private observedAt = 0;
  private observedHolder = "";
  /** leaseDurationSeconds of the observed record, in ms. */
  private observedDurationMs = 0;
  private leading = false;

  constructor(
    private readonly client: RestClient,
    private readonly config: LeaderElectionConfig,
  ) {
    this.leaseDurationMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    this.clock = config.clock ?? realClock;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The last lease record observed: its holder and when (this clock) it was first seen. */
  observed(): { holder: string; at: number } {
    return { holder: this.observedHolder, at: this.observedAt };
  }

  /** Runs until signal aborts: acquire, lead, and on losing the lease, try again. */
  async run(signal: AbortSignal): Promise<void> {
    const watching = new AbortController();
    const watch = this.watchLease(watching.signal);
    try {
      await this.elect(signal);
    } finally {
      watching.abort();
      await watch;
    }
  }

  private async elect(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      while (!signal.aborted && !(await this.tryAcquireOrRenew()))
        await this.sleep(this.untilNextAttempt(), signal);
      if (signal.aborted) break;
      this.leading = true;
      const leadership = new AbortController();
      this.config.onStartedLeading(leadership.signal);
      let lastRenew = this.clock.now();
      while (!signal.aborted) {
        await this.sleep(this.retryPeriodMs, signal);
        if (signal.aborted) break;
        if (await this.tryAcquireOrRenew()) lastRenew = this.clock.now();
        else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) break;
      }
      this.leading = false;
      leadership.abort();
      this.config.onStoppedLeading();
      if (signal.aborted) await this.release();
    }
  }

  /** One attempt; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.config;
    const now = this.clock.now();
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(leasesRef, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) return false;
      try {
        await this.client.create<Lease>(leasesRef, namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: this.record(identity, now, now, 0),
        });
        this.observe(identity, `${identity}@${now}`, now);
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        return false;
      }
    }
    const spec = lease.spec ?? {};
    this.note(spec, now);
    const holder = spec.holderIdentity ?? "";
    const expired = this.observedAt + (spec.leaseDurationSeconds ?? 15) * 1000 <= now;
    if (holder && holder !== identity && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    const acquired = holder === identity && spec.acquireTime ? Date.parse(spec.acquireTime) : now;
    try {
      const updated = await this.client.update<Lease>(leasesRef, {
        ...lease,
        spec: this.record(identity, acquired, now, transitions),
      });
      this.observe(identity, `${identity}@${updated.spec?.renewTime}`, now);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      return false;
    }
  }

  private record(
    identity: string,
    acquired: number,
    renewed: number,
    transitions: number,
  ): LeaseSpec {
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: microTime(acquired),
      renewTime: microTime(renewed),
      leaseTransitions: transitions,
    };
  }

  /** Observes a record read at `now`; only a changed record restarts the expiry countdown. */
  private note(spec: LeaseSpec, now: number): void {
    this.observedDurationMs = (spec.leaseDurationSeconds ?? 15) * 1000;
    const recordId = `${spec.holderIdentity}@${spec.renewTime}`;
    if (recordId !== this.observedRecord) this.observe(spec.holderIdentity ?? "", recordId, now);
  }

  /**
   * The wait before the next acquire attempt: the retry period, or less when
   * another holder's observed lease ends sooner (never before it ends).
   */
  private untilNextAttempt(): number {
    const holder = this.observedHolder;
    if (!holder || holder === this.config.identity) return this.retryPeriodMs;
    const left = this.observedAt + this.observedDurationMs - this.clock.now();
    return left > 0 && left < this.retryPeriodMs ? left : this.retryPeriodMs;
  }

  /**
   * Follows the Lease by watch until signal aborts, noting each record as it
   * arrives; a broken or ended stream is re-opened after a retry period.
   */
  private async watchLease(signal: AbortSignal): Promise<void> {
    const { namespace, name } = this.config;
    while (!signal.aborted) {
      try {
        const events = this.client.watch<Lease>(
          leasesRef,
          namespace,
          { fieldSelector: `metadata.name=${name}`, timeoutSeconds: 300 },
          signal,
        );
        for await (const ev of events) {
          if (ev.type === "ERROR") break;
          if (ev.type === "ADDED" || ev.type === "MODIFIED")
            this.note(ev.object.spec ?? {}, this.clock.now());
        }
      } catch (err) {
        // Not allowed to watch (upstream's system:kube-scheduler may only get,
        // create and update leases): polling alone, as client-go.
        if (err instanceof ApiError && err.code === 403) return;
        // Otherwise re-opened below; polling goes on meanwhile.
      }
      await this.sleep(this.retryPeriodMs, signal);
    }
  }

  private observe(holder: string, recordId: string, now: number): void {
    this.observedRecord = recordId;
    this.observedAt = now;
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) this.config.onNewLeader?.(holder);
    }
  }

  /** Gives the lease up on clean shutdown so another candidate need not wait. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<Lease>(
        leasesRef,
        this.config.namespace,
        this.config.name,
      );
      if (lease.spec?.holderIdentity !== this.config.identity) return;
      await this.client.update<Lease>(leasesRef, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 },
      });
    } catch {
      // best effort
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(this.clock, ms, signal);
  }
}

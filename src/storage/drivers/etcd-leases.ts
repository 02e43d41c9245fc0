/** What EtcdLeases needs from etcd: grant a lease of at least ttl seconds. */
export interface LeaseGranter {
  /** Resolves to the lease ID (decimal string) and the TTL etcd actually granted. */
  grant(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }>;
}

/** Keys attached to one lease before a new one is granted (upstream: leaseMaxAttachedObjectCount). */
export const MAX_KEYS_PER_LEASE = 1000;

/** A lease serves keys for this fraction of its TTL after its grant (upstream: LeaseReuseDurationPercent). */
export const LEASE_REUSE_PERCENT = 0.05;

interface Bucket {
  id: string;
  grantedAtMs: number;
  reuseMs: number;
  attached: number;
}

/**
 * Shares etcd leases between keys written with the same TTL, as the
 * kube-apiserver's lease manager does: a lease granted for ttl+reuse seconds
 * serves every key with that TTL written within reuse seconds of its grant,
 * so a key lives at least its TTL and at most reuse seconds longer.
 * Concurrent requests for one TTL share one grant.
 */
export class EtcdLeases {
  readonly #granter: LeaseGranter;
  readonly #now: () => number;
  readonly #buckets = new Map<number, Bucket>();
  readonly #granting = new Map<number, Promise<Bucket>>();

  constructor(granter: LeaseGranter, opts: { now?: () => number } = {}) {
    this.#granter = granter;
    this.#now = opts.now ?? Date.now;
  }

  /** A lease ID for a key that must live ttlSeconds (rounded up to whole seconds). */
  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    for (;;) {
      const bucket = this.#buckets.get(ttl);
      if (bucket && this.#usable(bucket)) {
        bucket.attached++;
        return bucket.id;
      }
      let pending = this.#granting.get(ttl);
      if (!pending) {
        pending = this.#grant(ttl);
        this.#granting.set(ttl, pending);
        pending.then(
          (b) => {
            this.#buckets.set(ttl, b);
            this.#granting.delete(ttl);
          },
          () => this.#granting.delete(ttl),
        );
      }
      const fresh = await pending;
      // Another caller may have filled the fresh lease meanwhile; loop to re-check.
      if (this.#usable(fresh)) {
        fresh.attached++;
        return fresh.id;
      }
    }
  }

  /** Forgets a lease etcd no longer knows (revoked or expired), so the next write gets a new one. */
  invalidate(id: string): void {
    for (const [ttl, b] of this.#buckets) if (b.id === id) this.#buckets.delete(ttl);
  }

  #usable(b: Bucket): boolean {
    return b.attached < MAX_KEYS_PER_LEASE && this.#now() - b.grantedAtMs <= b.reuseMs;
  }

  async #grant(ttl: number): Promise<Bucket> {
    const reuse = Math.min(60, Math.max(1, Math.ceil(ttl * LEASE_REUSE_PERCENT)));
    const grantedAtMs = this.#now();
    const lease = await this.#granter.grant(ttl + reuse);
    // etcd may raise a short TTL to its minimum; the lease then outlives the key longer.
    return { id: lease.id, grantedAtMs, reuseMs: (lease.ttlSeconds - ttl) * 1000, attached: 0 };
  }
}

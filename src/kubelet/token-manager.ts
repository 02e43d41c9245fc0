/**
 * Service-account tokens for projected volumes, cached as upstream's
 * kubelet token manager: a token is requested once (TokenRequest bound to
 * the pod) and reused until 80% of its lifetime has passed or it is older
 * than 24 hours, whichever comes first, minus a jitter of up to 10 s so
 * pods do not all refresh at once. Expired entries are dropped.
 */
import type { Clock } from "../client/clock.ts";
import type { TokenSource } from "./pod/volumes.ts";

/** One TokenRequest answer. */
export interface IssuedToken {
  token: string;
  /** status.expirationTimestamp in ms since the epoch. */
  expiresAt: number;
}

export type TokenRequester = (req: Parameters<TokenSource>[0]) => Promise<IssuedToken>;

const maxTtlMs = 24 * 3600_000;
const maxJitterMs = 10_000;

interface Entry extends IssuedToken {
  issuedAt: number;
  jitterMs: number;
}

export class TokenManager {
  private cache = new Map<string, Entry>();

  constructor(
    private readonly request: TokenRequester,
    private readonly clock: Clock,
    /** Returns [0, 1) (default Math.random); tests pin the jitter. */
    private readonly random: () => number = Math.random,
  ) {}

  /** True when the entry must be replaced by a new token. */
  private requiresRefresh(e: Entry, now: number): boolean {
    const ttl = e.expiresAt - e.issuedAt;
    if (now >= e.issuedAt + maxTtlMs - e.jitterMs) return true;
    return now >= e.issuedAt + ttl * 0.8 - e.jitterMs;
  }

  /** The TokenSource the volume code calls. */
  readonly source: TokenSource = async (req) => {
    const key = JSON.stringify([
      req.namespace,
      req.serviceAccount,
      req.audience ?? "",
      req.expirationSeconds,
      req.pod.metadata?.uid ?? "",
    ]);
    const now = this.clock.now();
    for (const [k, e] of this.cache) if (e.expiresAt <= now) this.cache.delete(k);
    const hit = this.cache.get(key);
    if (hit && !this.requiresRefresh(hit, now)) return hit.token;
    try {
      const issued = await this.request(req);
      this.cache.set(key, {
        ...issued,
        issuedAt: now,
        jitterMs: Math.floor(this.random() * maxJitterMs),
      });
      return issued.token;
    } catch (err) {
      // Upstream keeps serving a still-valid token when the refresh fails.
      if (hit) return hit.token;
      throw err;
    }
  };

  /** Drops the tokens of a pod that is gone. */
  forgetPod(uid: string): void {
    for (const k of [...this.cache.keys()]) if (JSON.parse(k)[4] === uid) this.cache.delete(k);
  }
}

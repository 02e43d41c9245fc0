/**
 * Controller expectations, as upstream: a controller that has just asked for
 * N creations or deletions does not act on the same owner again until its
 * informer has seen them (or the expectation expired), so it never double-creates
 * from a stale cache.
 *
 * Deletions may also be tracked by pod UID (upstream's
 * UIDTrackingControllerExpectations, which the ReplicaSet controller uses):
 * a pod counts as deleted the first time it is seen terminating
 * (deletionTimestamp set) or gone, and never again, so the later "gone"
 * event of a pod already counted cannot lower a newer expectation.
 */
import type { Clock } from "../../client/clock.ts";

const expectationTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  at: number;
  /** UIDs whose deletion is expected and not yet observed (expectDeletions only). */
  uids?: Set<string>;
}

export class ControllerExpectations {
  private items = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** Expects `adds` creations and `dels` deletions (counted, not tracked by UID). */
  expect(key: string, adds: number, dels: number): void {
    this.items.set(key, { add: adds, del: dels, at: this.clock.now() });
  }

  /** Expects the deletion of exactly these pod UIDs (upstream's ExpectDeletions). */
  expectDeletions(key: string, uids: string[]): void {
    const set = new Set(uids);
    this.items.set(key, { add: 0, del: set.size, at: this.clock.now(), uids: set });
  }

  creationObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.add--;
  }

  /**
   * One deletion seen. When the key's deletions are tracked by UID, only a
   * UID still expected counts (once); otherwise every call counts.
   */
  deletionObserved(key: string, uid?: string): void {
    const e = this.items.get(key);
    if (!e) return;
    if (e.uids) {
      if (uid === undefined || !e.uids.delete(uid)) return;
    }
    e.del--;
  }

  /** True when nothing is outstanding, nothing was recorded, or the record is stale. */
  satisfied(key: string): boolean {
    const e = this.items.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.at > expectationTimeoutMs;
  }

  forget(key: string): void {
    this.items.delete(key);
  }
}

/**
 * Controller expectations, as upstream: a controller that has just asked for
 * N creations or deletions does not act on the same owner again until its
 * informer has seen them (or the expectation expired), so it never double-creates
 * from a stale cache.
 */
import type { Clock } from "../../client/clock.ts";

const expectationTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  at: number;
}

export class ControllerExpectations {
  private items = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  expect(key: string, adds: number, dels: number): void {
    this.items.set(key, { add: adds, del: dels, at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.del--;
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

/**
 * The client watches of one WatchCache and the delivery of its events to
 * them (upstream's cacher dispatch and cacheWatcher): each subscription has
 * a bounded queue; one that falls more than `clientBuffer` events behind is
 * cut off with 410 Gone (its client re-watches), so a slow client never
 * holds up the others or the storage watch.
 */
import { StatusError } from "../api/status.ts";
import type { CacheEvent, CacheSubscription } from "./watch-cache-events.ts";
import { Subscribers, type Subscriber, type WatchTrigger } from "./watch-cache-subscribers.ts";

export class WatchFanout {
  readonly #clientBuffer: number;
  readonly #subscribers = new Subscribers();

  constructor(clientBuffer: number) {
    this.#clientBuffer = clientBuffer;
  }

  /** Number of live subscriptions. */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * A subscription to events under prefix (and, with a trigger, to objects
   * whose indexed field has or had its value), first given `backlog`.
   */
  add(prefix: string, backlog: CacheEvent[], trigger?: WatchTrigger): CacheSubscription {
    const sub: Subscriber = { prefix, queue: backlog, closed: false, trigger };
    this.#subscribers.add(sub);
    return {
      next: () => {
        if (sub.queue.length > 0) return Promise.resolve(sub.queue.splice(0));
        if (sub.closed) return Promise.resolve(null);
        return new Promise((resolve) => (sub.waiting = resolve));
      },
      get error() {
        return sub.error;
      },
      close: () => this.#end(sub),
    };
  }

  /** Hands a batch of events (in revision order) to the subscriptions it concerns. */
  dispatch(events: CacheEvent[]): void {
    if (this.#subscribers.size === 0) return;
    for (const [sub, mine] of this.#subscribers.route(events)) {
      if (sub.waiting) {
        const resolve = sub.waiting;
        sub.waiting = undefined;
        resolve(mine);
        continue;
      }
      sub.queue.push(...mine);
      if (sub.queue.length > this.#clientBuffer) {
        sub.queue = [];
        this.#end(
          sub,
          new StatusError("Gone", "watch closed: the client did not keep up with events"),
        );
      }
    }
  }

  /** Ends every subscription; with an error, their clients are told why. */
  endAll(error?: StatusError): void {
    for (const sub of this.#subscribers) this.#end(sub, error);
  }

  #end(sub: Subscriber, error?: StatusError): void {
    if (sub.closed) return;
    sub.closed = true;
    sub.error ??= error;
    this.#subscribers.delete(sub);
    if (sub.waiting) {
      const resolve = sub.waiting;
      sub.waiting = undefined;
      resolve(null);
    }
  }
}

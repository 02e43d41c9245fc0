/**
 * The pending request deadlines of one server, with one timer per deadline
 * length instead of one per request: deadlines of one length expire in the
 * order they were set, so each length keeps a linked list in expiry order and
 * a timer for its head only. Setting and cancelling a deadline is a list
 * insert and unlink (no timer object, no timer-list work per request).
 */
import type { Clock, TimerHandle } from "../client/clock.ts";

/** One pending deadline; cancel it with RequestDeadlines.cancel. */
export interface Deadline {
  readonly at: number;
  expire: (() => void) | undefined;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  list: DeadlineList | undefined;
}

interface DeadlineList {
  readonly ms: number;
  head: Deadline | undefined;
  tail: Deadline | undefined;
  /** Armed for the head's time (or earlier, when the head it was armed for was cancelled). */
  timer: TimerHandle | undefined;
}

export class RequestDeadlines {
  readonly #clock: Clock;
  readonly #lists = new Map<number, DeadlineList>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `expire` once, `ms` from now, unless the deadline is cancelled first. */
  add(ms: number, expire: () => void): Deadline {
    let list = this.#lists.get(ms);
    if (list === undefined) {
      list = { ms, head: undefined, tail: undefined, timer: undefined };
      this.#lists.set(ms, list);
    }
    const d: Deadline = {
      at: this.#clock.now() + ms,
      expire,
      prev: list.tail,
      next: undefined,
      list,
    };
    if (list.tail) list.tail.next = d;
    else list.head = d;
    list.tail = d;
    if (list.timer === undefined) this.#arm(list, ms);
    return d;
  }

  /** Forgets a deadline that has not expired (a no-op once it has, or a second time). */
  cancel(d: Deadline): void {
    const list = d.list;
    if (list === undefined) return;
    if (d.prev) d.prev.next = d.next;
    else list.head = d.next;
    if (d.next) d.next.prev = d.prev;
    else list.tail = d.prev;
    d.prev = d.next = d.list = undefined;
    d.expire = undefined;
    // The timer stays (it is unreferenced); when it fires it re-arms for the new head, if any.
  }

  /** How many deadlines are pending. */
  pending(): number {
    let n = 0;
    for (const list of this.#lists.values()) for (let d = list.head; d; d = d.next) n++;
    return n;
  }

  #arm(list: DeadlineList, ms: number): void {
    list.timer = this.#clock.after(ms, () => this.#fire(list));
  }

  #fire(list: DeadlineList): void {
    list.timer = undefined;
    const now = this.#clock.now();
    for (let d = list.head; d !== undefined && d.at <= now; d = list.head) {
      const expire = d.expire!;
      this.cancel(d);
      expire();
    }
    if (list.timer !== undefined) return;
    if (list.head) this.#arm(list, list.head.at - now);
    else this.#lists.delete(list.ms);
  }
}

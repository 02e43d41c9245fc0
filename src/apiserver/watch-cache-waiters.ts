/**
 * Consistent reads waiting for a WatchCache to reach a revision (upstream's
 * waitUntilFreshAndBlock with its progress requester): while any waits, the
 * cache asks storage for watch progress every `askEveryMs`; each waiter gives
 * up after `boundMs` (the caller then reads storage).
 */
export class FreshWaiters {
  readonly #waiters = new Set<{ revision: number; resolve: () => void }>();

  get size(): number {
    return this.#waiters.size;
  }

  /**
   * Resolves when wake() finds `revision` reached, or after boundMs; the
   * caller checks the cache's state itself afterwards. `ask` runs at once
   * and then every askEveryMs meanwhile.
   */
  async wait(
    revision: number,
    opts: { ask: () => void; askEveryMs: number; boundMs: number },
  ): Promise<void> {
    let resolve!: () => void;
    const reached = new Promise<void>((r) => (resolve = r));
    const waiter = { revision, resolve };
    this.#waiters.add(waiter);
    opts.ask();
    const ticker = setInterval(opts.ask, opts.askEveryMs);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((r) => (timer = setTimeout(r, opts.boundMs)));
    try {
      await Promise.race([reached, expired]);
    } finally {
      clearInterval(ticker);
      clearTimeout(timer);
      this.#waiters.delete(waiter);
    }
  }

  /** Releases the waiters whose revision `reached` accepts (all of them when the cache stopped). */
  wake(reached: (revision: number) => boolean): void {
    for (const w of this.#waiters) if (reached(w.revision)) w.resolve();
  }
}

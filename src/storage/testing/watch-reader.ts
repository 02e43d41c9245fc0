import assert from "node:assert/strict";
import type { Watcher, WatchEvent } from "../backend.ts";
import { isStorageError, type StorageErrorCode } from "../errors.ts";

/** Longest a test waits for an event that should come; a hang guard, never a timing assertion. */
export const EVENT_WAIT_MS = 15_000;

/**
 * Reads a Watcher event by event for tests. Holds one iterator for the
 * watcher's whole life (a Watcher may be iterated only once).
 */
export class WatchReader {
  readonly #it: AsyncIterator<WatchEvent[]>;
  #pending: WatchEvent[] = [];
  #ended = false;

  constructor(watcher: Watcher) {
    this.#it = watcher[Symbol.asyncIterator]();
  }

  /** Reads exactly n events; fails when the watch ends first or nothing arrives for EVENT_WAIT_MS. */
  async take(n: number): Promise<WatchEvent[]> {
    while (this.#pending.length < n) {
      const batch = await this.#nextBatch();
      if (batch === undefined) {
        assert.fail(`watch ended after ${this.#pending.length} of ${n} events`);
      }
      this.#pending.push(...batch);
    }
    return this.#pending.splice(0, n);
  }

  /** Reads events until one has modRevision >= revision; returns all read. */
  async until(revision: number): Promise<WatchEvent[]> {
    const out: WatchEvent[] = [];
    for (;;) {
      const [ev] = await this.take(1);
      out.push(ev);
      if (ev.kv.modRevision >= revision) return out;
    }
  }

  /** Drains events until the watch fails; asserts the failure's StorageError code. Returns events seen. */
  async expectError(code: StorageErrorCode): Promise<WatchEvent[]> {
    const seen = this.#pending.splice(0);
    for (;;) {
      let batch: WatchEvent[] | undefined;
      try {
        batch = await this.#nextBatch();
      } catch (err) {
        assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
        return seen;
      }
      if (batch === undefined) assert.fail(`watch ended without the expected ${code} error`);
      seen.push(...batch);
    }
  }

  /** Asserts the iteration ends (done) within EVENT_WAIT_MS, ignoring buffered events. */
  async expectEnd(): Promise<void> {
    for (;;) {
      const batch = await this.#nextBatch();
      if (batch === undefined) return;
    }
  }

  async #nextBatch(): Promise<WatchEvent[] | undefined> {
    if (this.#ended) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no watch event within ${EVENT_WAIT_MS} ms`)),
        EVENT_WAIT_MS,
      );
    });
    try {
      const r = await Promise.race([this.#it.next(), guard]);
      if (r.done) {
        this.#ended = true;
        return undefined;
      }
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Asserts that fn rejects with a StorageError of the given code and returns it. */
export async function expectStorageError(
  fn: () => Promise<unknown>,
  code: StorageErrorCode,
): Promise<import("../errors.ts").StorageError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but the call succeeded`);
}

/** A key prefix no other test uses, so drivers sharing one store (etcd) keep tests apart. */
export function uniquePrefix(name: string): string {
  return `/conformance/${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}/`;
}

/**
 * A persistent bitmap allocator, as upstream's RangeAllocation storage
 * (`/registry/ranges/serviceips`, `/registry/ranges/servicenodeports`): the
 * bitmap lives in the storage backend as a v1 RangeAllocation object and
 * every change is a compare-and-swap write, so allocations survive restarts
 * and several API servers sharing one store never hand out a value twice.
 *
 * Contract: every answer holds against the latest stored bitmap, so callers
 * never need to refresh; writes from one process are serialized locally and
 * batched (changes queued meanwhile share one write) to avoid needless CAS
 * conflicts and one-by-one storage round trips. A batch starts from the
 * bitmap this allocator last read or stored: a write that succeeds proves it
 * was the latest (compare-and-swap), a conflict re-reads it, and a batch
 * that writes nothing is answered from a fresh read. Only a dry-run pick
 * (allocateNext(true): a plan, which the write that takes the value
 * re-checks) is answered from the kept bitmap as it is.
 */
import type { Backend, KeyValue } from "../../storage/backend.ts";
import { isStorageError } from "../../storage/errors.ts";
import type { ValueRange } from "./service-ranges.ts";

export type AllocateOutcome = "ok" | "allocated" | "outOfRange";

/** Storage keys of upstream's two range allocations. */
export const SERVICE_IPS_KEY = "/registry/ranges/serviceips";
export const SERVICE_NODE_PORTS_KEY = "/registry/ranges/servicenodeports";

interface RangeAllocationObject {
  apiVersion: "v1";
  kind: "RangeAllocation";
  metadata: Record<string, unknown>;
  range: string;
  data: string;
}

const MAX_ATTEMPTS = 32;

/** A stored bitmap and the key's version it was read or written at (none: no key yet). */
interface Snapshot {
  kv?: KeyValue;
  bits: Uint8Array;
}

/** Picks a free offset: the dynamic band from a random start first, then the static band. */
export function findFree(
  bits: Uint8Array,
  size: number,
  staticBand: number,
  random: () => number,
): number | undefined {
  const scan = (lo: number, hi: number): number | undefined => {
    const n = hi - lo;
    if (n <= 0) return undefined;
    const start = lo + Math.min(n - 1, Math.floor(random() * n));
    for (let i = 0; i < n; i++) {
      const offset = lo + ((start - lo + i) % n);
      if ((bits[offset >> 3] & (1 << (offset & 7))) === 0) return offset;
    }
    return undefined;
  };
  const band = Math.min(staticBand, size);
  return scan(band, size) ?? scan(0, band);
}

/** One range's allocations, persisted at `key`. */
export class RangeAllocator<T> {
  readonly range: ValueRange<T>;
  readonly #backend: Backend;
  readonly #key: string;
  readonly #random: () => number;
  #pending: Pending[] = [];
  #draining = false;
  /** The bitmap this allocator last read or stored (never mutated: batches work on a copy). */
  #kept?: Snapshot;

  constructor(
    backend: Backend,
    key: string,
    range: ValueRange<T>,
    opts: { random?: () => number } = {},
  ) {
    this.#backend = backend;
    this.#key = key;
    this.range = range;
    this.#random = opts.random ?? Math.random;
  }

  /** Marks `value` as used; "allocated" when it already was. `dryRun` only checks. */
  allocate(value: T, dryRun = false): Promise<AllocateOutcome> {
    const offset = this.range.offsetOf(value);
    if (offset === undefined) return Promise.resolve("outOfRange");
    return this.#mutate((bits) => {
      if (isSet(bits, offset)) return { result: "allocated", changed: false };
      if (!dryRun) set(bits, offset, true);
      return { result: "ok", changed: !dryRun };
    });
  }

  /**
   * Takes a free value (undefined when the range is full). `dryRun` only
   * picks one; `exclude` are values not to pick (already planned elsewhere).
   */
  allocateNext(dryRun = false, exclude: T[] = []): Promise<T | undefined> {
    const pick: Mutation<T | undefined> = (bits) => {
      const work = exclude.length > 0 ? bits.slice() : bits;
      for (const v of exclude) {
        const o = this.range.offsetOf(v);
        if (o !== undefined) set(work, o, true);
      }
      const offset = findFree(work, this.range.size, this.range.staticBand, this.#random);
      if (offset === undefined) return { result: undefined, changed: false };
      if (!dryRun) set(bits, offset, true);
      return { result: this.range.valueAt(offset), changed: !dryRun };
    };
    // A plan needs no storage round trip: the kept bitmap's pick (the reserve re-checks it).
    const kept = this.#kept;
    if (dryRun && kept) {
      const { result } = pick(kept.bits);
      if (result !== undefined) return Promise.resolve(result);
    }
    return this.#mutate(pick);
  }

  /** Frees values (values outside the range or already free are ignored). */
  release(values: T[]): Promise<void> {
    const offsets = values
      .map((v) => this.range.offsetOf(v))
      .filter((o): o is number => o !== undefined);
    if (offsets.length === 0) return Promise.resolve();
    return this.#mutate((bits) => {
      let changed = false;
      for (const o of offsets) {
        if (isSet(bits, o)) {
          set(bits, o, false);
          changed = true;
        }
      }
      return { result: undefined, changed };
    });
  }

  /** Every allocated value, in offset order. */
  async used(): Promise<T[]> {
    const { bits } = await this.#read();
    const out: T[] = [];
    for (let o = 0; o < this.range.size; o++) if (isSet(bits, o)) out.push(this.range.valueAt(o));
    return out;
  }

  /**
   * Applies `fn` to the latest bitmap (as a set of used values) and stores the
   * result when it changed: the repair loop's read-modify-write. Its batch
   * starts from a fresh read, so fn runs once unless a write conflicts.
   */
  update(fn: (used: Set<T>) => Set<T>): Promise<void> {
    return this.#mutate((bits) => {
      const before = new Set<T>();
      for (let o = 0; o < this.range.size; o++)
        if (isSet(bits, o)) before.add(this.range.valueAt(o));
      const after = fn(new Set(before));
      let changed = false;
      for (const v of before) {
        if (!after.has(v)) {
          set(bits, this.range.offsetOf(v)!, false);
          changed = true;
        }
      }
      for (const v of after) {
        const o = this.range.offsetOf(v);
        if (o !== undefined && !isSet(bits, o)) {
          set(bits, o, true);
          changed = true;
        }
      }
      return { result: undefined, changed };
    }, true);
  }

  async #read(): Promise<Snapshot> {
    const { kv } = await this.#backend.get(this.#key);
    const bits = new Uint8Array(Math.ceil(this.range.size / 8));
    if (!kv) return { bits };
    const stored = JSON.parse(kv.value) as RangeAllocationObject;
    // A range given with other flags than the stored one starts empty; the
    // repair loop refills it from the services that exist.
    if (stored.range === this.range.spec)
      bits.set(Buffer.from(stored.data, "base64").subarray(0, bits.length));
    return { kv, bits };
  }

  /**
   * Queues a read-modify-write of the bitmap. Changes queued while a write is
   * in flight are applied together to the kept bitmap and stored in one
   * compare-and-swap (a conflict re-runs the whole batch on a fresh read),
   * so concurrent Service creates cost one storage write between them
   * instead of one each, one after another, and no read.
   */
  #mutate<R>(fn: Mutation<R>, fresh = false): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ fn, fresh, resolve, reject } as Pending);
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#pending.length > 0) await this.#applyBatch(this.#pending.splice(0));
    } finally {
      this.#draining = false;
    }
  }

  async #applyBatch(batch: Pending[]): Promise<void> {
    let fresh = batch.some((p) => p.fresh);
    for (let attempt = 0; ; attempt++) {
      let outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }>;
      let changed = false;
      try {
        // The kept bitmap when there is one; a fresh read first, after a conflict, and to
        // confirm the answers of a batch that wrote nothing.
        const kept = fresh ? undefined : this.#kept;
        const base = kept ?? (await this.#read());
        const bits = base.bits.slice();
        outcomes = batch.map((p) => {
          try {
            const r = p.fn(bits);
            changed ||= r.changed;
            return { ok: true, value: r.result };
          } catch (err) {
            return { ok: false, err };
          }
        });
        if (!changed && kept) {
          fresh = true;
          continue;
        }
        if (changed) {
          const value = JSON.stringify({
            apiVersion: "v1",
            kind: "RangeAllocation",
            metadata: { name: "", creationTimestamp: null },
            range: this.range.spec,
            data: Buffer.from(bits).toString("base64"),
          });
          const kv = base.kv
            ? await this.#backend.update(this.#key, value, base.kv.modRevision)
            : await this.#backend.create(this.#key, value);
          this.#kept = { kv, bits };
        } else this.#kept = base;
      } catch (err) {
        this.#kept = undefined;
        fresh = true;
        const raced =
          isStorageError(err, "Conflict") ||
          isStorageError(err, "KeyExists") ||
          isStorageError(err, "KeyNotFound");
        if (raced && attempt < MAX_ATTEMPTS) continue;
        for (const p of batch) p.reject(err);
        return;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.err);
      });
      return;
    }
  }
}

type Mutation<R> = (bits: Uint8Array) => { result: R; changed: boolean };

interface Pending {
  fn: Mutation<unknown>;
  /** Start the batch from a fresh read (fn has effects beyond the bitmap). */
  fresh: boolean;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

function isSet(bits: Uint8Array, offset: number): boolean {
  return (bits[offset >> 3] & (1 << (offset & 7))) !== 0;
}

function set(bits: Uint8Array, offset: number, on: boolean): void {
  if (on) bits[offset >> 3] |= 1 << (offset & 7);
  else bits[offset >> 3] &= ~(1 << (offset & 7));
}

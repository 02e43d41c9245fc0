import type {
  Backend,
  GetOptions,
  KeyValue,
  ListOptions,
  ListResult,
  WatchOptions,
  Watcher,
  WriteOptions,
} from "../backend.ts";
import { StorageError } from "../errors.ts";
import {
  checkInteger,
  checkKey,
  checkPrefix,
  checkTtl,
  checkValue,
  isUnbounded,
  prefixRange,
  toStorageError,
} from "./etcd-kv.ts";
import { newEtcdRpc, type EtcdClientOptions, type EtcdRpc } from "./etcd-client.ts";
import {
  CompareResult,
  CompareTarget,
  type RangeRequest,
  type TxnRequest,
} from "./etcd-proto-requests.ts";
import { type RangeResponse, type TxnResponse } from "./etcd-proto-responses.ts";
import { compactRound, type CompactorState } from "./etcd-compactor.ts";
import { EtcdLeases } from "./etcd-leases.ts";
import { EtcdWatches } from "./etcd-watches.ts";

export interface EtcdBackendOptions extends EtcdClientOptions {
  /** Client URLs of the members: http://host:port, https://host:port (TLS), etcd://host:port or host:port. */
  endpoints: string[];
  /** CA bundle that signed the etcd server certificates (PEM file). */
  caFile?: string;
  /** Client certificate and key (PEM files), e.g. the apiserver-etcd-client pair. */
  certFile?: string;
  keyFile?: string;
  /** Deadline of each unary request in ms (default 30000). */
  requestTimeoutMs?: number;
  /** Clock for lease reuse decisions (default Date.now). */
  now?: () => number;
  /**
   * Period of background compaction rounds, ms (default 5 min, as
   * kube-apiserver's --etcd-compaction-interval; 0 disables). Each round
   * compacts to the revision of the previous round (see compactRound).
   */
  compactIntervalMs?: number;
  /**
   * Whether watch progress notifications are trusted for consistent reads
   * from the API server's watch cache: "auto" (default) when every member
   * runs etcd v3.4.31+ or v3.5.13+ (upstream's check: older members may
   * send a notification ahead of queued events), "on" or "off".
   */
  watchProgress?: "auto" | "on" | "off";
}

/**
 * Whether an etcd version sends progress notifications only after the
 * events queued before them (fixed in v3.4.31 and v3.5.13; upstream
 * serves consistent lists from its watch cache only from those on).
 */
export function progressNotifyIsOrdered(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map((x) => Number(x) || 0);
  if (major !== 3) return major > 3;
  if (minor === 4) return patch >= 31;
  if (minor === 5) return patch >= 13;
  return minor > 5;
}

/** A key that is never written: ranges over it only read the store's revision. */
const PROBE_KEY = Buffer.from("\0k8ts-revision-probe");

/**
 * The Backend on a real etcd v3 cluster. Keys and values are stored exactly as
 * given, so `etcdctl get --prefix /registry/` shows the cluster's state.
 * Writes are single etcd transactions: create compares create_revision == 0,
 * update and guarded delete compare mod_revision; a failed compare reads the
 * key in the same transaction to report Conflict with the current value.
 * etcd counts its --max-request-bytes limit (default 1.5 MiB) over the whole
 * request, so storing values of up to MAX_VALUE_BYTES needs a somewhat higher
 * limit (the test harness uses 2 MiB); requests etcd refuses fail with TooLarge.
 * TTLs use shared leases (see EtcdLeases). Watchers of one prefix share an
 * etcd watch (EtcdWatchFeed) and all etcd watches share one gRPC stream.
 */
export class EtcdBackend implements Backend {
  readonly #opts: EtcdBackendOptions;
  #client: EtcdRpc | undefined;
  #leases: EtcdLeases | undefined;
  #watches: EtcdWatches | undefined;
  /** The highest store revision seen in any response; startRevision 0 watches begin after it. */
  #seenRevision = 0;
  /** A lower bound of etcd's compacted revision (what we compacted or were told). */
  #compacted = 0;
  #compactTimer: NodeJS.Timeout | undefined;
  #compactState: CompactorState = { version: 0, revision: 0 };
  #progressSupported: Promise<boolean> | undefined;

  constructor(opts: EtcdBackendOptions) {
    if (!Array.isArray(opts.endpoints) || opts.endpoints.length === 0) {
      throw new StorageError("InvalidArgument", "Cannot use etcd: no endpoints given");
    }
    this.#opts = opts;
  }

  /** Connects and checks etcd answers; a second call while started does nothing. */
  async start(): Promise<void> {
    if (this.#client) return;
    const client = await newEtcdRpc(this.#opts);
    this.#client = client;
    this.#leases = new EtcdLeases(
      {
        grant: async (ttl) => {
          try {
            const res = await client.leaseGrant(ttl);
            return { id: res.id, ttlSeconds: res.ttlSeconds };
          } catch (err) {
            throw toStorageError(err);
          }
        },
      },
      { now: this.#opts.now },
    );
    this.#watches = new EtcdWatches(
      async () => client.watch(),
      (rev) => this.#saw(rev),
      (rev) => (this.#compacted = Math.max(this.#compacted, rev)),
    );
    try {
      await this.currentRevision();
    } catch (err) {
      await this.close();
      throw err;
    }
    const interval = this.#opts.compactIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      let running = false;
      this.#compactTimer = setInterval(() => {
        if (running) return;
        running = true;
        compactRound(client, this.#compactState)
          .then((next) => (this.#compactState = next))
          // A failed round (etcd unreachable) is retried at the next tick.
          .catch(() => {})
          .finally(() => (running = false));
      }, interval);
      this.#compactTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#compactTimer);
    this.#watches?.close();
    this.#client?.close();
    this.#watches = undefined;
    this.#client = undefined;
  }

  async currentRevision(): Promise<number> {
    const res = await this.#range({ key: PROBE_KEY, countOnly: true });
    return res.revision;
  }

  async get(key: string, opts: GetOptions = {}): Promise<{ revision: number; kv?: KeyValue }> {
    checkKey(key);
    checkInteger("revision", opts.revision, 0);
    const res = await this.#range({ key: Buffer.from(key), revision: opts.revision ?? 0 }, key);
    const kv = res.kvs[0];
    const revision = opts.revision || res.revision;
    return kv ? { revision, kv } : { revision };
  }

  list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return this.#list(prefix, opts, false);
  }

  /** A keys_only range: keys and revisions as list returns them, every value "". */
  listKeys(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return this.#list(prefix, opts, true);
  }

  async #list(prefix: string, opts: ListOptions, keysOnly: boolean): Promise<ListResult> {
    checkPrefix(prefix);
    checkInteger("revision", opts.revision, 0);
    checkInteger("limit", opts.limit, 0);
    if (opts.after !== undefined) checkPrefix(opts.after);
    const [start, end] = prefixRange(prefix);
    let from = start;
    if (opts.after !== undefined) {
      const after = Buffer.concat([Buffer.from(opts.after), Buffer.from([0])]);
      if (Buffer.compare(after, from) > 0) from = after;
    }
    const revisionAsked = opts.revision ?? 0;
    if (!isUnbounded(end) && Buffer.compare(from, end) >= 0) {
      // Continuing past the prefix: nothing is left, but the revision must still be valid.
      const res = await this.#range({ key: PROBE_KEY, countOnly: true, revision: revisionAsked });
      return { revision: revisionAsked || res.revision, kvs: [], more: false };
    }
    const res = await this.#range({
      key: from,
      rangeEnd: end,
      revision: revisionAsked,
      limit: opts.limit ?? 0,
      keysOnly,
    });
    const kvs = res.kvs;
    const result: ListResult = {
      revision: revisionAsked || res.revision,
      kvs,
      more: res.more,
    };
    if (res.more) result.remaining = res.count - kvs.length;
    return result;
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    checkPrefix(prefix);
    const [start, end] = prefixRange(prefix);
    const res = await this.#range({ key: start, rangeEnd: end, countOnly: true });
    return { revision: res.revision, count: res.count };
  }

  async create(key: string, value: string, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(key, opts.ttlSeconds);
    const res = await this.#putTxn(key, opts.ttlSeconds, (lease) => ({
      compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, value: 0 }],
      success: [{ put: { key, value, lease } }],
      failure: [],
    }));
    if (!res.succeeded)
      throw new StorageError("KeyExists", `Cannot create ${key}: the key exists`, { key });
    const rev = res.revision;
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(
    key: string,
    value: string,
    expectedModRevision: number,
    opts: WriteOptions = {},
  ): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkInteger("expectedModRevision", expectedModRevision, 1);
    if (expectedModRevision === undefined) {
      throw new StorageError(
        "InvalidArgument",
        `Cannot update ${key}: expectedModRevision is required`,
        { key },
      );
    }
    checkTtl(key, opts.ttlSeconds);
    const res = await this.#putTxn(key, opts.ttlSeconds, (lease) => ({
      compare: [
        {
          key,
          target: CompareTarget.Mod,
          result: CompareResult.Equal,
          value: expectedModRevision,
        },
      ],
      success: [{ put: { key, value, lease, prevKv: true } }],
      failure: [{ range: { key } }],
    }));
    if (!res.succeeded) throw this.#casFailure(key, "update", res);
    const rev = res.revision;
    const prev = res.responses[0]?.put?.prevKv;
    return {
      key,
      value,
      createRevision: prev ? prev.createRevision : rev,
      modRevision: rev,
    };
  }

  async delete(
    key: string,
    expectedModRevision?: number,
  ): Promise<{ revision: number; prevKv: KeyValue }> {
    checkKey(key);
    checkInteger("expectedModRevision", expectedModRevision, 1);
    const res = await this.#txn(
      {
        compare:
          expectedModRevision === undefined
            ? [{ key, target: CompareTarget.Create, result: CompareResult.Greater, value: 0 }]
            : [
                {
                  key,
                  target: CompareTarget.Mod,
                  result: CompareResult.Equal,
                  value: expectedModRevision,
                },
              ],
        success: [{ deleteRange: { key, prevKv: true } }],
        failure: [{ range: { key } }],
      },
      key,
    );
    if (!res.succeeded) throw this.#casFailure(key, "delete", res);
    const prev = res.responses[0]?.deleteRange?.prevKvs[0];
    if (!prev)
      throw new StorageError("KeyNotFound", `Cannot delete ${key}: the key does not exist`, {
        key,
      });
    return { revision: res.revision, prevKv: prev };
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    checkPrefix(prefix);
    checkInteger("startRevision", opts.startRevision, 0);
    checkInteger("bufferSize", opts.bufferSize, 1);
    if (!this.#watches)
      throw new StorageError("Unavailable", "Cannot watch: the etcd backend is not started");
    // etcd would resolve 0 when the create request arrives, possibly after a write
    // this client already saw; resolve it here so "after the current revision" holds.
    return this.#watches.watch(prefix, {
      startRevision: opts.startRevision || this.#seenRevision + 1,
      bufferSize: opts.bufferSize,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
  }

  requestWatchProgress(): void {
    this.#watches?.requestProgress();
  }

  /** Per watchProgress; "auto" asks etcd's version once (false while it cannot answer). */
  watchProgressSupported(): Promise<boolean> {
    const mode = this.#opts.watchProgress ?? "auto";
    if (mode !== "auto") return Promise.resolve(mode === "on");
    this.#progressSupported ??= this.#memberVersions().then(
      (versions) => versions.length > 0 && versions.every(progressNotifyIsOrdered),
      () => {
        this.#progressSupported = undefined;
        return false;
      },
    );
    return this.#progressSupported;
  }

  /** The version of the member answering (members of one cluster run one version). */
  async #memberVersions(): Promise<string[]> {
    const client = this.#client;
    if (!client) throw new StorageError("Unavailable", "the etcd backend is not started");
    return [await client.version()];
  }

  async compact(revision: number): Promise<void> {
    checkInteger("revision", revision, 1);
    try {
      await this.#connected().compact(revision);
    } catch (err) {
      const mapped = toStorageError(err);
      // Compacting to a revision at or below the current compaction is a no-op.
      if (mapped.code !== "Compacted") throw mapped;
    }
    this.#compacted = Math.max(this.#compacted, revision);
  }

  /**
   * etcd does not report its compacted revision directly: probe reads at the
   * known lower bound and binary-search upwards when it has moved (another
   * client compacted). 0 when nothing was ever compacted.
   */
  async compactedRevision(): Promise<number> {
    const readable = async (rev: number) => {
      try {
        await this.#range({ key: PROBE_KEY, countOnly: true, revision: rev });
        return true;
      } catch (err) {
        if (err instanceof StorageError && err.code === "Compacted") return false;
        throw err;
      }
    };
    let lo = Math.max(this.#compacted, 1);
    if (await readable(lo)) return this.#compacted;
    // Invariant: lo is not readable, hi is (the current revision always is).
    let hi = await this.currentRevision();
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.#compacted = Math.max(this.#compacted, hi);
    return this.#compacted;
  }

  #connected(): EtcdRpc {
    if (!this.#client) throw new StorageError("Unavailable", "The etcd backend is not started");
    return this.#client;
  }

  #saw(revision: number): void {
    if (revision > this.#seenRevision) this.#seenRevision = revision;
  }

  #casFailure(key: string, verb: string, res: TxnResponse): StorageError {
    const kv = res.responses[0]?.range?.kvs[0];
    if (!kv)
      return new StorageError("KeyNotFound", `Cannot ${verb} ${key}: the key does not exist`, {
        key,
      });
    return new StorageError(
      "Conflict",
      `Cannot ${verb} ${key}: the key was modified at revision ${kv.modRevision}`,
      { key, current: kv },
    );
  }

  async #range(req: RangeRequest, key?: string): Promise<RangeResponse> {
    try {
      const res = await this.#connected().range(req);
      this.#saw(res.revision);
      return res;
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  async #txn(req: TxnRequest, key: string): Promise<TxnResponse> {
    try {
      const res = await this.#connected().txn(req);
      this.#saw(res.revision);
      return res;
    } catch (err) {
      throw toStorageError(err, key);
    }
  }

  /** Runs a put transaction, attaching a shared lease for ttlSeconds; retries once if etcd lost that lease. */
  async #putTxn(
    key: string,
    ttlSeconds: number | undefined,
    build: (lease: bigint | undefined) => TxnRequest,
  ): Promise<TxnResponse> {
    const leases = this.#leases!;
    for (let attempt = 0; ; attempt++) {
      const lease = ttlSeconds === undefined ? undefined : await leases.leaseFor(ttlSeconds);
      try {
        return await this.#txn(build(lease === undefined ? undefined : BigInt(lease)), key);
      } catch (err) {
        if (
          lease === undefined ||
          attempt > 0 ||
          !String((err as Error).message).includes("lease not found")
        )
          throw err;
        leases.invalidate(lease);
      }
    }
  }
}

import type { Etcd3 } from "etcd3";
import { toStorageError } from "./etcd-kv.ts";

/** The key API servers sharing one etcd use to elect who compacts each round (upstream's name). */
export const COMPACT_REV_KEY = "compact_rev_key";

/** Where the compactor stands between rounds. */
export interface CompactorState {
  /** The version of COMPACT_REV_KEY this process last saw. */
  version: number;
  /** The store revision at the previous round: what the next round compacts to. */
  revision: number;
}

/**
 * One compaction round, as kube-apiserver's etcd compactor does it: compact
 * to the revision observed one round ago, so history one interval long stays
 * readable. Several clients of one etcd each run rounds; the compare on
 * COMPACT_REV_KEY's version lets exactly one of them win a round and compact.
 * Returns the state for the next round.
 */
export async function compactRound(client: Etcd3, state: CompactorState): Promise<CompactorState> {
  const key = Buffer.from(COMPACT_REV_KEY);
  try {
    const res = await client.kv.txn({
      compare: [{ key, target: "Version", result: "Equal", version: state.version }],
      success: [{ request_put: { key, value: Buffer.from(String(state.revision)) } }],
      failure: [{ request_range: { key } }],
    });
    const revision = Number(res.header.revision);
    if (!res.succeeded) {
      // Another client won this round; follow its version.
      const kv = res.responses[0]?.response_range?.kvs[0];
      return { version: kv ? Number(kv.version) : 0, revision };
    }
    if (state.revision > 0) {
      try {
        await client.kv.compact({ revision: state.revision, physical: false });
      } catch (err) {
        // Already compacted further (by hand or by another client) is fine.
        if (toStorageError(err).code !== "Compacted") throw err;
      }
    }
    return { version: state.version + 1, revision };
  } catch (err) {
    throw toStorageError(err, COMPACT_REV_KEY);
  }
}

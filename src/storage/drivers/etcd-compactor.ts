import type { EtcdRpc } from "./etcd-client.ts";
import { toStorageError } from "./etcd-kv.ts";
import { CompareResult, CompareTarget } from "./etcd-proto-requests.ts";

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
export async function compactRound(
  client: EtcdRpc,
  state: CompactorState,
): Promise<CompactorState> {
  const key = COMPACT_REV_KEY;
  try {
    const res = await client.txn({
      compare: [
        { key, target: CompareTarget.Version, result: CompareResult.Equal, value: state.version },
      ],
      success: [{ put: { key, value: String(state.revision) } }],
      failure: [{ range: { key } }],
    });
    const revision = res.revision;
    if (!res.succeeded) {
      // Another client won this round; follow its version.
      const range = res.responses[0]?.range;
      return { version: range && range.kvs.length > 0 ? range.versions[0]! : 0, revision };
    }
    if (state.revision > 0) {
      try {
        await client.compact(state.revision);
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

/**
 * Per-node tallies of the pods matching a predicate, kept per NodeInfo and
 * brought up to date from the node's change log (NodeInfo.changedPodAt):
 * a tally read again after a bind costs O(changes), not O(pods on the node).
 * Plugins use it for questions repeated for every incoming pod, e.g. "how
 * many pods matching this selector run here?".
 *
 * Contract: the predicate of one key never changes (derive the key from
 * everything it reads) and depends only on the PodInfo (immutable per pod
 * version). Tallies die with their NodeInfo; least recently used keys are
 * dropped beyond `maxKeys`.
 */
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";

interface Tally {
  generation: number;
  count: number;
}

export class PodCountMemo {
  private readonly byKey = new Map<string, WeakMap<NodeInfo, Tally>>();

  constructor(private readonly maxKeys = 64) {}

  /** A counter for key: the number of pods on a node matching `matches`. */
  counter(key: string, matches: (pod: PodInfo) => boolean): (node: NodeInfo) => number {
    let tallies = this.byKey.get(key);
    if (tallies) this.byKey.delete(key);
    else {
      tallies = new WeakMap();
      if (this.byKey.size >= this.maxKeys)
        this.byKey.delete(this.byKey.keys().next().value as string);
    }
    this.byKey.set(key, tallies);
    const memo = tallies;
    return (node) => {
      let t = memo.get(node);
      if (t && t.generation === node.generation) return t.count;
      if (t && node.logCovers(t.generation)) {
        for (let g = t.generation + 1; g <= node.generation; g++) {
          const pod = node.changedPodAt(g);
          if (pod && matches(pod)) t.count += node.changeSignAt(g);
        }
        t.generation = node.generation;
        return t.count;
      }
      let count = 0;
      for (const pod of node.pods.values()) if (matches(pod)) count++;
      if (t) {
        t.count = count;
        t.generation = node.generation;
      } else memo.set(node, (t = { generation: node.generation, count }));
      return count;
    };
  }
}

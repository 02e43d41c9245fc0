/**
 * Per-node memo of values derived from a node's pods, valid while the node's
 * generation is unchanged (any pod or node change bumps it). Plugins use it
 * to avoid re-scanning every pod of every node for each incoming pod when the
 * question (e.g. "how many pods match this selector here?") repeats.
 * Owned by one plugin instance; entries die with their NodeInfo.
 */
import type { NodeInfo } from "./node-info.ts";

export class NodeMemo<T> {
  private entries = new WeakMap<NodeInfo, { generation: number; values: Map<string, T> }>();

  constructor(private readonly maxKeysPerNode = 16) {}

  get(node: NodeInfo, key: string, compute: () => T): T {
    let e = this.entries.get(node);
    if (!e || e.generation !== node.generation) {
      e = { generation: node.generation, values: new Map() };
      this.entries.set(node, e);
    }
    let v = e.values.get(key);
    if (v === undefined) {
      v = compute();
      if (e.values.size >= this.maxKeysPerNode) e.values.clear();
      e.values.set(key, v);
    }
    return v;
  }
}

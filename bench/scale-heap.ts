/**
 * What holds a process's heap: `tsx bench/scale-heap.ts FILE.heapsnapshot
 * [--pods N] [--min-share 0.01]` prints the retainers where memory fans out
 * (retained MiB, share, KiB per pod when --pods is given, and the dominator
 * path that holds them), memory by owning class instance and field, and
 * self sizes by constructor name. Snapshots come
 * from `bench:scale --heap-snapshot-dir DIR`. Large snapshots need
 * `NODE_OPTIONS=--max-old-space-size=8192`.
 */
import { readFileSync } from "node:fs";
import {
  dominatorTree,
  fanOutRetainers,
  ownerSummary,
  readHeapGraph,
  selfSizeByName,
  type HeapSnapshotJson,
} from "./lib/heap-snapshot.ts";
import { flag } from "./lib/args.ts";
import { printTable } from "./lib/table.ts";

const argv = process.argv.slice(2);
const file = argv.find((a) => !a.startsWith("--"));
if (!file) throw new Error("Cannot read a heap snapshot: give the .heapsnapshot file");
const podsArg = flag("pods");
const pods = podsArg === undefined ? undefined : Number(podsArg);
const minShare = Number(flag("min-share", "0.01"));
const g = readHeapGraph(JSON.parse(readFileSync(file, "utf8")) as HeapSnapshotJson);
const tree = dominatorTree(g);
const total = tree.retained[0]!;
const MiB = 2 ** 20;
process.stdout.write(`${file}: ${g.count} nodes, ${(total / MiB).toFixed(1)} MiB reachable\n\n`);
printTable(
  fanOutRetainers(g, tree, minShare, 40).map((r) => ({
    retainer: r.label,
    MiB: r.retained / MiB,
    "%": (100 * r.retained) / total,
    ...(pods ? { "KiB/pod": r.retained / 1024 / pods } : {}),
    "held by": r.path,
  })),
);
process.stdout.write("\n");
printTable(
  ownerSummary(g, tree.idom, 40).map((r) => ({
    "owner.field": r.owner,
    objects: r.count,
    MiB: r.bytes / MiB,
    "%": (100 * r.bytes) / total,
    ...(pods ? { "KiB/pod": r.bytes / 1024 / pods } : {}),
  })),
);
process.stdout.write("\n");
printTable(
  selfSizeByName(g, 30).map((r) => ({
    name: r.name,
    count: r.count,
    "self MiB": r.bytes / MiB,
    ...(pods ? { "KiB/pod": r.bytes / 1024 / pods } : {}),
  })),
);

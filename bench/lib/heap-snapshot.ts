/**
 * Reads a V8 heap snapshot (.heapsnapshot, Chrome DevTools format) and says
 * what holds the memory: the dominator tree (Cooper, Harvey and Kennedy's
 * iterative algorithm over a reverse postorder, weak edges ignored), each
 * object's retained size, the biggest retainers with the path that holds
 * them, and self sizes summed by constructor name.
 */

/** The snapshot JSON's parts this reader uses. */
export interface HeapSnapshotJson {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The object graph in flat arrays; node i's edges are firstEdge[i] .. firstEdge[i+1]-1. */
export interface HeapGraph {
  count: number;
  type: string[];
  name: string[];
  selfSize: Float64Array;
  firstEdge: Uint32Array;
  edgeTo: Uint32Array;
  edgeType: string[];
  edgeName: string[];
}

/** The node and edge arrays as a graph of node ordinals. */
export function readHeapGraph(json: HeapSnapshotJson): HeapGraph {
  const { meta } = json.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const f = (name: string) => meta.node_fields.indexOf(name);
  const [ti, ni, si, ci] = [f("type"), f("name"), f("self_size"), f("edge_count")];
  const [eti, eni, eto] = ["type", "name_or_index", "to_node"].map((n) =>
    meta.edge_fields.indexOf(n),
  ) as [number, number, number];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const count = json.nodes.length / nf;
  const g: HeapGraph = {
    count,
    type: new Array<string>(count),
    name: new Array<string>(count),
    selfSize: new Float64Array(count),
    firstEdge: new Uint32Array(count + 1),
    edgeTo: new Uint32Array(json.edges.length / ef),
    edgeType: new Array<string>(json.edges.length / ef),
    edgeName: new Array<string>(json.edges.length / ef),
  };
  let e = 0;
  for (let i = 0; i < count; i++) {
    const base = i * nf;
    g.type[i] = nodeTypes[json.nodes[base + ti]!]!;
    g.name[i] = json.strings[json.nodes[base + ni]!]!;
    g.selfSize[i] = json.nodes[base + si]!;
    g.firstEdge[i] = e;
    e += json.nodes[base + ci]!;
  }
  g.firstEdge[count] = e;
  for (let k = 0; k < g.edgeTo.length; k++) {
    const base = k * ef;
    const type = edgeTypes[json.edges[base + eti]!]!;
    const nameOrIndex = json.edges[base + eni]!;
    g.edgeType[k] = type;
    g.edgeName[k] =
      type === "element" || type === "hidden" ? `[${nameOrIndex}]` : json.strings[nameOrIndex]!;
    g.edgeTo[k] = json.edges[base + eto]! / nf;
  }
  return g;
}

/** Immediate dominators (-1: unreachable) and retained sizes, from node 0 (the root). */
export function dominatorTree(g: HeapGraph): { idom: Int32Array; retained: Float64Array } {
  const n = g.count;
  const strong = (k: number) => g.edgeType[k] !== "weak";
  // Postorder by an iterative depth-first search.
  const po = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const cursor = new Uint32Array(n);
  const visited = new Uint8Array(n);
  const stack = [0];
  visited[0] = 1;
  cursor[0] = g.firstEdge[0]!;
  while (stack.length) {
    const v = stack[stack.length - 1]!;
    if (cursor[v]! < g.firstEdge[v + 1]!) {
      const k = cursor[v]!++;
      const w = g.edgeTo[k]!;
      if (strong(k) && !visited[w]) {
        visited[w] = 1;
        cursor[w] = g.firstEdge[w]!;
        stack.push(w);
      }
    } else {
      stack.pop();
      po[v] = order.length;
      order.push(v);
    }
  }
  // Predecessors (strong edges between reachable nodes), as flat arrays.
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++)
    if (visited[v])
      for (let k = g.firstEdge[v]!; k < g.firstEdge[v + 1]!; k++)
        if (strong(k)) predCount[g.edgeTo[k]! + 1]!++;
  for (let v = 0; v < n; v++) predCount[v + 1]! += predCount[v]!;
  const preds = new Uint32Array(predCount[n]!);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++)
    if (visited[v])
      for (let k = g.firstEdge[v]!; k < g.firstEdge[v + 1]!; k++)
        if (strong(k)) preds[fill[g.edgeTo[k]!]!++] = v;
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (po[a]! < po[b]!) a = idom[a]!;
      while (po[b]! < po[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const v = order[i]!;
      let d = -1;
      for (let p = predCount[v]!; p < predCount[v + 1]!; p++) {
        const u = preds[p]!;
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== idom[v]) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (const v of order) retained[v]! += g.selfSize[v]!;
  for (const v of order) if (v !== 0) retained[idom[v]!]! += retained[v]!;
  return { idom, retained };
}

/** A node's label: type and name (strings shortened). */
export function label(g: HeapGraph, v: number): string {
  const name = g.name[v]!.length > 40 ? `${g.name[v]!.slice(0, 40)}…` : g.name[v]!;
  return g.type[v] === "object" ? name : `(${g.type[v]}) ${name}`;
}

/** The chain of dominators above v, nearest last, each with the edge that holds the next. */
export function dominatorPath(g: HeapGraph, idom: Int32Array, v: number, depth = 6): string {
  const parts: string[] = [];
  for (let u = v, i = 0; u !== 0 && idom[u]! >= 0 && i < depth; u = idom[u]!, i++) {
    const d = idom[u]!;
    let edge = "";
    for (let k = g.firstEdge[d]!; k < g.firstEdge[d + 1]!; k++)
      if (g.edgeTo[k] === u) {
        edge = g.edgeName[k]!;
        break;
      }
    parts.unshift(`${label(g, d)}.${edge}`);
  }
  return parts.join(" > ");
}

export interface Retainer {
  node: number;
  label: string;
  retained: number;
  self: number;
  path: string;
}

/**
 * The biggest holders: nodes retaining at least minShare of the heap whose
 * retained size is not mostly one dominated child's (where memory fans out),
 * biggest first.
 */
export function fanOutRetainers(
  g: HeapGraph,
  tree: { idom: Int32Array; retained: Float64Array },
  minShare = 0.01,
  limit = 30,
): Retainer[] {
  const { idom, retained } = tree;
  const total = retained[0]!;
  const biggestChild = new Float64Array(g.count);
  for (let v = 1; v < g.count; v++)
    if (idom[v]! >= 0 && retained[v]! > biggestChild[idom[v]!]!)
      biggestChild[idom[v]!] = retained[v]!;
  const out: Retainer[] = [];
  for (let v = 1; v < g.count; v++) {
    if (idom[v]! < 0 || retained[v]! < total * minShare) continue;
    if (biggestChild[v]! > retained[v]! * 0.5) continue;
    out.push({
      node: v,
      label: label(g, v),
      retained: retained[v]!,
      self: g.selfSize[v]!,
      path: dominatorPath(g, idom, v),
    });
  }
  return out.sort((a, b) => b.retained - a.retained).slice(0, limit);
}

/** Count and self size per type and constructor name, biggest first. */
export function selfSizeByName(
  g: HeapGraph,
  limit = 30,
): { name: string; count: number; bytes: number }[] {
  const by = new Map<string, { count: number; bytes: number }>();
  for (let v = 0; v < g.count; v++) {
    const key = g.type[v] === "string" ? "(string)" : label(g, v);
    const e = by.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += g.selfSize[v]!;
    by.set(key, e);
  }
  return [...by.entries()]
    .map(([name, e]) => ({ name, ...e }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

const GENERIC = new Set([
  "Object",
  "Array",
  "Map",
  "Set",
  "Promise",
  "WeakMap",
  "WeakSet",
  "Error",
]);

/** Whether a node is an instance of a named class (an owner worth reporting). */
function isOwner(g: HeapGraph, v: number): boolean {
  const name = g.name[v]!;
  return g.type[v] === "object" && /^[A-Z]/.test(name) && !GENERIC.has(name) && !name.includes(" ");
}

/**
 * Self sizes summed by owner: the nearest dominating instance of a named
 * class, and the field of it the memory hangs under ("WatchCache.#ring").
 * Memory no single instance dominates (shared, or held by closures and
 * plain objects only) is "(no owner)".
 */
export function ownerSummary(
  g: HeapGraph,
  idom: Int32Array,
  limit = 30,
): { owner: string; count: number; bytes: number }[] {
  const n = g.count;
  // Visit dominators before what they dominate: depth-first over the dominator tree.
  const childCount = new Uint32Array(n + 1);
  for (let v = 1; v < n; v++) if (idom[v]! >= 0) childCount[idom[v]! + 1]!++;
  for (let v = 0; v < n; v++) childCount[v + 1]! += childCount[v]!;
  const children = new Uint32Array(childCount[n]!);
  const fill = childCount.slice(0, n);
  for (let v = 1; v < n; v++) if (idom[v]! >= 0) children[fill[idom[v]!]!++] = v;
  const owner = new Int32Array(n).fill(-1);
  const field = new Array<string>(n);
  const by = new Map<string, { count: number; bytes: number }>();
  const stack = [0];
  while (stack.length) {
    const v = stack.pop()!;
    const d = idom[v]!;
    if (v !== 0) {
      if (isOwner(g, d)) {
        owner[v] = d;
        field[v] ??= "";
      } else {
        owner[v] = owner[d]!;
        field[v] = field[d]!;
      }
    }
    const key = owner[v]! >= 0 ? `${g.name[owner[v]!]}.${field[v]}` : "(no owner)";
    const e = by.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += g.selfSize[v]!;
    by.set(key, e);
    // An owner names the fields its dominated children hang under (one pass over its edges).
    if (isOwner(g, v))
      for (let k = g.firstEdge[v]!; k < g.firstEdge[v + 1]!; k++) {
        const w = g.edgeTo[k]!;
        if (idom[w] === v && field[w] === undefined) field[w] = g.edgeName[k]!;
      }
    for (let c = childCount[v]!; c < childCount[v + 1]!; c++) stack.push(children[c]!);
  }
  return [...by.entries()]
    .map(([o, e]) => ({ owner: o, ...e }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

/**
 * Sets of field paths, as server-side apply tracks ownership, and their
 * FieldsV1 encoding (metadata.managedFields[].fieldsV1).
 *
 * A path is a list of path elements written as in FieldsV1:
 *   `f:<name>`   a field of a struct or a key of a map
 *   `k:<json>`   an item of an associative list, by its key fields
 *   `v:<json>`   an item of a set-like list, by value
 *   `i:<index>`  an item of a list by position
 * A set holds paths exactly (no prefix semantics): owning `.spec.replicas`
 * says nothing about `.spec`.
 */

/**
 * One node of a set: whether the path to it is a member, and its children.
 * Invariant: every node below the root is a member or has children (empty
 * nodes are pruned), so emptiness is O(1).
 */
export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** Adds a path. */
  insert(path: readonly string[]): this {
    let node: FieldSet = this;
    for (const pe of path) {
      let next = node.children.get(pe);
      if (!next) {
        next = new FieldSet();
        node.children.set(pe, next);
      }
      node = next;
    }
    node.member = true;
    return this;
  }

  has(path: readonly string[]): boolean {
    return this.node(path)?.member ?? false;
  }

  /** The sub-tree at `path`, if any. */
  node(path: readonly string[]): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const pe of path) {
      node = node.children.get(pe);
      if (!node) return undefined;
    }
    return node;
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  /** True when some member lies at or below `path`. */
  hasAtOrBelow(path: readonly string[]): boolean {
    const node = this.node(path);
    return node !== undefined && !node.isEmpty();
  }

  union(other: FieldSet): FieldSet {
    return combine(this, other, UNION);
  }

  difference(other: FieldSet): FieldSet {
    return combine(this, other, DIFFERENCE);
  }

  intersection(other: FieldSet): FieldSet {
    return combine(this, other, INTERSECTION);
  }

  /** A deep copy. */
  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [pe, c] of this.children) {
      const copy = c.clone();
      if (!copy.isEmpty()) out.children.set(pe, copy);
    }
    return out;
  }

  /** A copy without the sub-trees at the given paths (members at and below them). */
  withoutPrefixes(prefixes: readonly (readonly string[])[]): FieldSet {
    return this.union(new FieldSet()).prune(prefixes);
  }

  /** Adds every member of `other` to this set, in place. */
  merge(other: FieldSet): this {
    if (other.member) this.member = true;
    for (const [pe, o] of other.children) this.child(pe).merge(o);
    return this;
  }

  /** Removes every member of `other` from this set, in place (emptied nodes pruned). */
  subtract(other: FieldSet): this {
    if (other.member) this.member = false;
    for (const [pe, o] of other.children) {
      const mine = this.children.get(pe);
      if (!mine) continue;
      mine.subtract(o);
      if (mine.isEmpty()) this.children.delete(pe);
    }
    return this;
  }

  /** Removes the sub-trees at the given paths (members at and below them), in place. */
  prune(prefixes: readonly (readonly string[])[]): this {
    for (const prefix of prefixes) {
      if (prefix.length === 0) {
        this.member = false;
        this.children.clear();
        return this;
      }
      const chain: FieldSet[] = [this];
      for (const pe of prefix.slice(0, -1)) {
        const next = chain[chain.length - 1].children.get(pe);
        if (!next) break;
        chain.push(next);
      }
      if (chain.length !== prefix.length) continue;
      chain[chain.length - 1].children.delete(prefix[prefix.length - 1]);
      for (let i = chain.length - 1; i > 0 && chain[i].isEmpty(); i--) {
        chain[i - 1].children.delete(prefix[i - 1]);
      }
    }
    return this;
  }

  /** Every member path, members of a node before its children, children in sorted order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]) => {
      const sorted = sortedKeys(node);
      for (const pe of sorted) if (node.children.get(pe)!.member) out.push([...prefix, pe]);
      for (const pe of sorted) {
        const child = node.children.get(pe)!;
        if (child.children.size) walk(child, [...prefix, pe]);
      }
    };
    if (this.member) out.push([]);
    walk(this, []);
    return out;
  }

  /** FieldsV1 JSON object (`.` marks a member that also has children). */
  toFieldsV1(): Record<string, unknown> {
    return encodeFieldsV1(this);
  }

  /** Parses FieldsV1; throws an Error naming the bad element on malformed input. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const stack: string[] = [];
    const fail = (why: string): never => {
      throw new Error(
        `Cannot parse fieldsV1 at ${stack.length ? pathString(stack) : "root"}: ${why}`,
      );
    };
    const decode = (node: FieldSet, value: unknown) => {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        fail("expected an object");
      let empty = true;
      for (const pe in value as Record<string, unknown>) {
        empty = false;
        if (pe === ".") {
          node.member = true;
          continue;
        }
        if (pe.length < 2 || pe[1] !== ":" || !"fkvi".includes(pe[0]))
          fail(`bad path element ${pe}`);
        let next = node.children.get(pe);
        if (!next) {
          next = new FieldSet();
          node.children.set(pe, next);
        }
        stack.push(pe);
        decode(next, (value as Record<string, unknown>)[pe]);
        stack.pop();
      }
      if (empty && stack.length) node.member = true;
    };
    decode(set, fields);
    return set;
  }

  /** The child at `pe`, created when missing. Callers must leave no empty child behind. */
  child(pe: string): FieldSet {
    let next = this.children.get(pe);
    if (!next) {
      next = new FieldSet();
      this.children.set(pe, next);
    }
    return next;
  }

  /** Removes the child at `pe` if it holds nothing. */
  dropIfEmpty(pe: string): void {
    if (this.children.get(pe)?.isEmpty()) this.children.delete(pe);
  }
}

type Op = (x: boolean, y: boolean) => boolean;
const UNION: Op = (a, b) => a || b;
const DIFFERENCE: Op = (a, b) => a && !b;
const INTERSECTION: Op = (a, b) => a && b;
const EMPTY = new FieldSet();

/**
 * The set `op` makes of `a` and `b`, node by node; children in `a`'s order,
 * then those only in `b`. A side missing below a node is copied (union,
 * difference) or dropped without walking it.
 */
function combine(a: FieldSet, b: FieldSet, op: Op): FieldSet {
  const out = new FieldSet();
  out.member = op(a.member, b.member);
  for (const [pe, ac] of a.children) {
    const bc = b.children.get(pe);
    let child: FieldSet;
    if (bc) child = combine(ac, bc, op);
    else if (op === UNION || op === DIFFERENCE) child = ac.clone();
    else if (op === INTERSECTION) continue;
    else child = combine(ac, EMPTY, op);
    if (!child.isEmpty()) out.children.set(pe, child);
  }
  for (const [pe, bc] of b.children) {
    if (a.children.has(pe)) continue;
    let child: FieldSet;
    if (op === UNION) child = bc.clone();
    else if (op === DIFFERENCE || op === INTERSECTION) continue;
    else child = combine(EMPTY, bc, op);
    if (!child.isEmpty()) out.children.set(pe, child);
  }
  return out;
}

/** FieldsV1 of a node: `.` first when it is a member with children, then children sorted. */
function encodeFieldsV1(node: FieldSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (node.children.size === 0) return out;
  const keys = sortedKeys(node);
  let dot = node.member;
  for (const pe of keys) {
    const child = node.children.get(pe)!;
    if (child.isEmpty()) continue;
    if (dot) {
      out["."] = {};
      dot = false;
    }
    out[pe] = encodeFieldsV1(child);
  }
  return out;
}

/** Sort rank of a path element's kind character: f, k, v, i, then anything else. */
function rank(code: number): number {
  switch (code) {
    case 102: // f
      return 0;
    case 107: // k
      return 1;
    case 118: // v
      return 2;
    case 105: // i
      return 3;
    default:
      return 9;
  }
}

/** Orders path elements as upstream: fields, then keys, values, indexes. */
export function comparePathElements(a: string, b: string): number {
  const r = rank(a.charCodeAt(0)) - rank(b.charCodeAt(0));
  if (r !== 0) return r;
  if (a[0] === "i") return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedKeys(node: FieldSet): string[] {
  const keys = [...node.children.keys()];
  return keys.length > 1 ? keys.sort(comparePathElements) : keys;
}

/**
 * Recent `f:` elements by field name, so the usual names (a few hundred)
 * give the same flat, hashed string on every write instead of a new
 * concatenation to hash again in every set. Bounded: names beyond the
 * limit are built each time.
 */
const fieldElements = new Map<string, string>();
const MAX_CACHED_FIELD_ELEMENTS = 4096;

/** `f:name` */
export function fieldElement(name: string): string {
  let pe = fieldElements.get(name);
  if (pe === undefined) {
    pe = `f:${name}`;
    if (fieldElements.size < MAX_CACHED_FIELD_ELEMENTS) fieldElements.set(name, pe);
  }
  return pe;
}

/** `k:{"name":"x"}` with the key fields in sorted order. */
export function keyElement(key: Record<string, unknown>): string {
  const names = Object.keys(key);
  if (names.length === 1) return `k:{${JSON.stringify(names[0])}:${JSON.stringify(key[names[0]])}}`;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(key).sort()) sorted[k] = key[k];
  return `k:${JSON.stringify(sorted)}`;
}

/** `v:"value"` */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/** `i:3` */
export function indexElement(index: number): string {
  return `i:${index}`;
}

/** Upstream's text for one path element: `.name`, `[name="x"]`, `[="v"]`, `[3]`. */
export function pathElementString(pe: string): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case "f":
      return `.${body}`;
    case "k": {
      const key = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    }
    case "v":
      return `[=${body}]`;
    case "i":
      return `[${body}]`;
    default:
      return "{{invalid path element}}";
  }
}

/** Upstream's text for a path, e.g. `.spec.containers[name="web"].image`. */
export function pathString(path: readonly string[]): string {
  return path.map(pathElementString).join("");
}

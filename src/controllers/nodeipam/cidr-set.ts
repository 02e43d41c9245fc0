/**
 * Upstream's cidrset: the subnets of one cluster CIDR (IPv4 or IPv6) cut to
 * a node mask size, each either free or allocated. Allocation is round robin
 * from the subnet after the last one handed out; `occupy` marks every subnet
 * a CIDR overlaps (a node's existing podCIDR, the service range) and
 * `release` frees them again.
 */

/** A parsed CIDR: family, network address (as a number) and prefix length. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

/** Errors as values: what went wrong with a CIDR or the set. */
export type CidrError =
  | { reason: "Invalid"; message: string }
  | { reason: "OutOfRange"; message: string }
  | { reason: "Full"; message: string };

/** Upstream's limit: at most 2^16 node subnets per cluster CIDR. */
export const MAX_PREFIX_DIFF = 16;

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === "" ? [] : h.split(":"));
  const head = group(halves[0]!);
  const tail = halves.length === 2 ? group(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** Parses "a.b.c.d/n" or an IPv6 CIDR; the address is masked to the prefix (as Go's ParseCIDR). */
export function parseCidr(s: string): Cidr | CidrError {
  const [ip, len, extra] = s.trim().split("/");
  const invalid = { reason: "Invalid", message: `invalid CIDR address: ${s}` } as const;
  if (ip === undefined || len === undefined || extra !== undefined || !/^\d{1,3}$/.test(len))
    return invalid;
  const family = ip.includes(":") ? 6 : 4;
  const addr = family === 4 ? parseIPv4(ip) : parseIPv6(ip);
  const prefix = Number(len);
  if (addr === undefined || prefix > bits(family)) return invalid;
  const host = (1n << BigInt(bits(family) - prefix)) - 1n;
  return { family, base: addr & ~host, prefix };
}

/** Whether a parse result is an error. */
export function isCidrError(v: unknown): v is CidrError {
  return typeof v === "object" && v !== null && "reason" in v && "message" in v;
}

/** Formats a CIDR as Go's IPNet.String() does (IPv6 with the longest zero run as "::"). */
export function formatCidr(c: Cidr): string {
  if (c.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((s) => String((c.base >> s) & 255n));
    return `${octets.join(".")}/${c.prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((c.base >> BigInt(112 - i * 16)) & 0xffffn),
  );
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  const text =
    bestStart < 0
      ? hex(groups)
      : `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
  return `${text}/${c.prefix}`;
}

/** The subnets of one cluster CIDR at a node mask size. */
export class CidrSet {
  readonly cluster: Cidr;
  readonly nodeMaskSize: number;
  /** How many node subnets the cluster CIDR holds. */
  readonly maxCidrs: number;
  private readonly used = new Set<number>();
  /** Index of the next subnet to try (upstream's nextCandidate). */
  private next = 0;

  private constructor(cluster: Cidr, nodeMaskSize: number) {
    this.cluster = cluster;
    this.nodeMaskSize = nodeMaskSize;
    this.maxCidrs = 2 ** (nodeMaskSize - cluster.prefix);
  }

  /** A set over `cluster` cut at `nodeMaskSize`, or why not (upstream's limits). */
  static create(cluster: Cidr, nodeMaskSize: number): CidrSet | CidrError {
    if (nodeMaskSize < cluster.prefix || nodeMaskSize > bits(cluster.family))
      return {
        reason: "Invalid",
        message: `node CIDR mask size ${nodeMaskSize} does not fit cluster CIDR ${formatCidr(cluster)}`,
      };
    if (nodeMaskSize - cluster.prefix > MAX_PREFIX_DIFF)
      return {
        reason: "Invalid",
        message: `CIDRSet: subnet mask size is too big: the cluster CIDR ${formatCidr(cluster)} may hold at most 2^${MAX_PREFIX_DIFF} node CIDRs`,
      };
    return new CidrSet(cluster, nodeMaskSize);
  }

  /** How many subnets are allocated or occupied. */
  get allocatedCount(): number {
    return this.used.size;
  }

  private subnet(i: number): Cidr {
    const shift = BigInt(bits(this.cluster.family) - this.nodeMaskSize);
    return {
      family: this.cluster.family,
      base: this.cluster.base + (BigInt(i) << shift),
      prefix: this.nodeMaskSize,
    };
  }

  /** The next free subnet (round robin), marked allocated; Full when none is left. */
  allocateNext(): Cidr | CidrError {
    for (let k = 0; k < this.maxCidrs; k++) {
      const i = (this.next + k) % this.maxCidrs;
      if (this.used.has(i)) continue;
      this.used.add(i);
      this.next = (i + 1) % this.maxCidrs;
      return this.subnet(i);
    }
    return {
      reason: "Full",
      message:
        "CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range",
    };
  }

  /** The subnet indexes `c` overlaps, or why it lies outside the cluster CIDR. */
  private indexes(c: Cidr): { first: number; last: number } | CidrError {
    const total = bits(this.cluster.family);
    const clusterEnd = this.cluster.base + (1n << BigInt(total - this.cluster.prefix)) - 1n;
    const end = c.base + (1n << BigInt(total - c.prefix)) - 1n;
    if (c.family !== this.cluster.family || c.base > clusterEnd || end < this.cluster.base)
      return {
        reason: "OutOfRange",
        message: `cidr ${formatCidr(c)} is out the range of cluster cidr ${formatCidr(this.cluster)}`,
      };
    const shift = BigInt(total - this.nodeMaskSize);
    const lo = c.base < this.cluster.base ? this.cluster.base : c.base;
    const hi = end > clusterEnd ? clusterEnd : end;
    return {
      first: Number((lo - this.cluster.base) >> shift),
      last: Number((hi - this.cluster.base) >> shift),
    };
  }

  /** Marks every subnet `c` overlaps as allocated (idempotent). */
  occupy(c: Cidr): CidrError | undefined {
    const r = this.indexes(c);
    if (isCidrError(r)) return r;
    for (let i = r.first; i <= r.last; i++) this.used.add(i);
    return undefined;
  }

  /** Frees every subnet `c` overlaps. */
  release(c: Cidr): CidrError | undefined {
    const r = this.indexes(c);
    if (isCidrError(r)) return r;
    for (let i = r.first; i <= r.last; i++) this.used.delete(i);
    return undefined;
  }

  /** Whether the subnet holding `c`'s first address is allocated. */
  isAllocated(c: Cidr): boolean {
    const r = this.indexes(c);
    return !isCidrError(r) && this.used.has(r.first);
  }
}

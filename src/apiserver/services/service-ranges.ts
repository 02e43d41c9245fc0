/**
 * The two ranges services draw from, as offsets into a bitmap: the cluster
 * IP range (`--service-cluster-ip-range`, IPv4; the network and broadcast
 * addresses are never handed out, as upstream's ipallocator) and the node
 * port range (`--service-node-port-range`, "30000-32767").
 */

/** A contiguous range of allocatable values mapped onto offsets 0..size-1. */
export interface ValueRange<T> {
  /** As given on the command line ("10.43.0.0/16", "30000-32767"). */
  readonly spec: string;
  readonly size: number;
  /** The offset of a value, or undefined when the value lies outside the range. */
  offsetOf(value: T): number | undefined;
  valueAt(offset: number): T;
  /**
   * Offsets below this are the static band: dynamic allocation takes them
   * only once the rest is full (upstream's ServiceIPStaticSubrange and
   * ServiceNodePortStaticSubrange).
   */
  readonly staticBand: number;
}

/** Default `--service-cluster-ip-range`. */
export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";
/** Default `--service-node-port-range`. */
export const DEFAULT_NODE_PORT_RANGE = "30000-32767";

/** Parses a dotted IPv4 address into a 32-bit unsigned number (undefined when not IPv4). */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Formats a 32-bit unsigned number as a dotted IPv4 address. */
export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parses "a.b.c.d/len" into its network number and prefix length. */
export function parseIPv4CIDR(cidr: string): { network: number; prefix: number } {
  const [ip, len, ...rest] = cidr.split("/");
  const base = ipv4ToNumber(ip ?? "");
  const prefix = Number(len);
  if (base === undefined || rest.length > 0 || !/^\d+$/.test(len ?? "") || prefix > 32) {
    throw new Error(`Cannot parse service CIDR ${JSON.stringify(cidr)}: not an IPv4 CIDR`);
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (base & mask) >>> 0, prefix };
}

/** Upstream's static band size: min(max(min, size/step), max). */
function staticBand(size: number, min: number, step: number, max: number): number {
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}

/** The cluster IP range; IPs from network+1 to broadcast-1 (prefixes up to /30). */
export function clusterIPRange(cidr: string): ValueRange<string> {
  const { network, prefix } = parseIPv4CIDR(cidr);
  if (prefix > 30) throw new Error(`Service CIDR ${cidr} is too small: it needs at least 2 IPs`);
  if (prefix < 12)
    throw new Error(
      `Service CIDR ${cidr} is too large: at most 2^20 addresses (/12) are supported`,
    );
  const size = 2 ** (32 - prefix) - 2;
  const first = network + 1;
  return {
    spec: `${numberToIpv4(network)}/${prefix}`,
    size,
    staticBand: staticBand(size, 16, 16, 256),
    offsetOf(ip) {
      const n = ipv4ToNumber(ip);
      if (n === undefined) return undefined;
      const offset = n - first;
      return offset >= 0 && offset < size ? offset : undefined;
    },
    valueAt: (offset) => numberToIpv4(first + offset),
  };
}

/** The node port range "base-max" (or "base+size" as upstream's utilnet.PortRange). */
export function nodePortRange(spec: string): ValueRange<number> {
  const m = /^(\d+)(?:([-+])(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`Cannot parse node port range ${JSON.stringify(spec)}: want "min-max"`);
  const base = Number(m[1]);
  const size = m[2] === "+" ? Number(m[3]) : m[3] !== undefined ? Number(m[3]) - base + 1 : 1;
  if (base < 1 || size < 1 || base + size - 1 > 65535) {
    throw new Error(`Cannot parse node port range ${JSON.stringify(spec)}: ports must be 1-65535`);
  }
  return {
    spec: `${base}-${base + size - 1}`,
    size,
    staticBand: staticBand(size, 16, 32, 128),
    offsetOf(port) {
      const offset = port - base;
      return Number.isInteger(offset) && offset >= 0 && offset < size ? offset : undefined;
    },
    valueAt: (offset) => base + offset,
  };
}

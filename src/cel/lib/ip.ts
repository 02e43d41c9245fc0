/**
 * Kubernetes IP and CIDR libraries (1.30+):
 * `ip(s)`, `isIP(s)`, `ip.isCanonical(s)`, `string(ip)`, and on an IP
 * `family()`, `isUnspecified()`, `isLoopback()`, `isLinkLocalMulticast()`,
 * `isLinkLocalUnicast()`, `isGlobalUnicast()`;
 * `cidr(s)`, `isCIDR(s)`, `string(cidr)`, and on a CIDR
 * `containsIP(ip|string)`, `containsCIDR(cidr|string)`, `ip()`, `masked()`,
 * `prefixLength()`. As upstream, zones and IPv4-mapped IPv6 addresses are
 * refused; values compare equal by canonical text.
 */
import type { CelFunc, CelValue } from "@bufbuild/cel";
import { isCelMap } from "@bufbuild/cel";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";
import {
  formatAddr,
  is4In6,
  maskAddr,
  parseAddr,
  parsePrefix,
  prefixContains,
  type Addr,
  type Prefix,
} from "./netaddr.ts";

/** Parses an IP as the ip() function does; throws upstream's error texts. */
function toAddr(s: string): Addr {
  let a: Addr;
  try {
    a = parseAddr(s);
  } catch (e) {
    throw new Error(
      `IP Address ${JSON.stringify(s)} parse error during conversion from string: ${(e as Error).message}`,
    );
  }
  if (a.zone !== "")
    throw new Error(`IP address ${JSON.stringify(s)} with zone value is not allowed`);
  if (is4In6(a)) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(s)} is not allowed`);
  return a;
}

/** Parses a CIDR as the cidr() function does. */
function toPrefix(s: string): Prefix {
  let p: Prefix;
  try {
    p = parsePrefix(s);
  } catch (e) {
    const what = "network address parse error during conversion from string";
    throw new Error(`${what}: ${what}: ${(e as Error).message}`);
  }
  if (is4In6(p.addr))
    throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(s)} is not allowed`);
  return p;
}

const valid = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

const ipValue = (a: Addr) => opaque("ip", { v: formatAddr(a) });
const cidrValue = (p: Prefix) => opaque("cidr", { v: `${formatAddr(p.addr)}/${p.bits}` });

/** The address an ip value holds (undefined for anything else). */
function addrOf(v: CelValue): Addr | undefined {
  if (opaqueTag(v) !== "ip" || !isCelMap(v)) return undefined;
  return parseAddr(String(v.get("v")));
}

function prefixOf(v: CelValue): Prefix | undefined {
  if (opaqueTag(v) !== "cidr" || !isCelMap(v)) return undefined;
  return parsePrefix(String(v.get("v")));
}

/** An IP method: `test` receives the address bytes. */
function ipMethod(name: string, test: (b: Uint8Array) => boolean | bigint): CelFunc {
  return dynMethod(name, 0, (t) => {
    const a = addrOf(t);
    return a && test(a.bytes);
  });
}

const v4 = (b: Uint8Array) => b.length === 4;
const allZero = (b: Uint8Array) => b.every((x) => x === 0);
const isLoopback = (b: Uint8Array) =>
  v4(b) ? b[0] === 127 : b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
const isMulticast = (b: Uint8Array) => (v4(b) ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff);
const isLinkLocalUnicast = (b: Uint8Array) =>
  v4(b) ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
const isLinkLocalMulticast = (b: Uint8Array) =>
  v4(b) ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1]! & 0x0f) === 0x02;

/** The ip and cidr functions. */
export const ipFuncs: CelFunc[] = [
  dynFunc("ip", 1, ([s]) => (typeof s === "string" ? ipValue(toAddr(s)) : undefined)),
  dynFunc("isIP", 1, ([s]) => (typeof s === "string" ? valid(() => toAddr(s)) : undefined)),
  dynFunc("ip.isCanonical", 1, ([s]) =>
    typeof s === "string" ? formatAddr(toAddr(s)) === s : undefined,
  ),
  ipMethod("family", (b) => (v4(b) ? 4n : 6n)),
  ipMethod("isUnspecified", allZero),
  ipMethod("isLoopback", isLoopback),
  ipMethod("isLinkLocalMulticast", isLinkLocalMulticast),
  ipMethod("isLinkLocalUnicast", isLinkLocalUnicast),
  ipMethod(
    "isGlobalUnicast",
    (b) =>
      !allZero(b) &&
      !isLoopback(b) &&
      !isMulticast(b) &&
      !isLinkLocalUnicast(b) &&
      !(v4(b) && b.every((x) => x === 255)),
  ),
  dynFunc("cidr", 1, ([s]) => (typeof s === "string" ? cidrValue(toPrefix(s)) : undefined)),
  dynFunc("isCIDR", 1, ([s]) => (typeof s === "string" ? valid(() => toPrefix(s)) : undefined)),
  dynMethod("containsIP", 1, (t, [x]) => {
    const p = prefixOf(t);
    const a = typeof x === "string" ? toAddr(x) : addrOf(x!);
    return p && a && prefixContains(p, a);
  }),
  dynMethod("containsCIDR", 1, (t, [x]) => {
    const p = prefixOf(t);
    const q = typeof x === "string" ? toPrefix(x) : prefixOf(x!);
    return p && q && q.bits >= p.bits && prefixContains(p, q.addr);
  }),
  dynMethod("ip", 0, (t) => {
    const p = prefixOf(t);
    return p && ipValue(p.addr);
  }),
  dynMethod("masked", 0, (t) => {
    const p = prefixOf(t);
    return p && cidrValue({ addr: maskAddr(p), bits: p.bits });
  }),
  dynMethod("prefixLength", 0, (t) => {
    const p = prefixOf(t);
    return p && BigInt(p.bits);
  }),
  dynFunc("string", 1, ([v]) => {
    const tag = opaqueTag(v);
    return (tag === "ip" || tag === "cidr") && isCelMap(v!) ? String(v.get("v")) : undefined;
  }),
];

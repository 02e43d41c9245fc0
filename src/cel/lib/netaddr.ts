/**
 * IP address and prefix parsing with Go net/netip's rules and error texts
 * (the Kubernetes ip/cidr CEL libraries surface them): dotted IPv4 without
 * leading zeros, IPv6 with `::` and an optional embedded IPv4 tail, zones
 * after `%`. Canonical text as netip prints it (RFC 5952 for IPv6).
 */

/** A parsed address: 4 or 16 bytes, and the zone of an IPv6 address ("" when none). */
export interface Addr {
  bytes: Uint8Array;
  zone: string;
}

/** A parse failure; `message` is Go's text, e.g. `ParseAddr("1.2.3"): IPv4 address too short`. */
export class AddrParseError extends Error {
  constructor(input: string, reason: string, rest?: string) {
    const at = rest === undefined ? "" : ` (at ${JSON.stringify(rest)})`;
    super(`ParseAddr(${JSON.stringify(input)}): ${reason}${at}`);
    this.name = "AddrParseError";
  }
}

function parse4(input: string, s: string): Uint8Array {
  const out = new Uint8Array(4);
  let field = 0;
  let value = -1;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c >= "0" && c <= "9") {
      if (digits === 1 && value === 0)
        throw new AddrParseError(input, "IPv4 field has octet with leading zero");
      value = (value < 0 ? 0 : value * 10) + Number(c);
      digits++;
      if (value > 255) throw new AddrParseError(input, "IPv4 field has value >255");
    } else if (c === ".") {
      if (value < 0)
        throw new AddrParseError(input, "IPv4 field must have at least one digit", s.slice(i));
      if (field === 3) throw new AddrParseError(input, "IPv4 address too long");
      out[field++] = value;
      value = -1;
      digits = 0;
    } else throw new AddrParseError(input, "unexpected character", s.slice(i));
  }
  if (field < 3) throw new AddrParseError(input, "IPv4 address too short");
  if (value < 0) throw new AddrParseError(input, "IPv4 field must have at least one digit", "");
  out[3] = value;
  return out;
}

function parse6(input: string, whole: string): Uint8Array {
  const ip = new Uint8Array(16);
  let s = whole;
  let ellipsis = -1;
  let i = 0;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return ip;
  }
  while (i < 16) {
    let off = 0;
    let acc = 0;
    while (off < s.length && /[0-9a-fA-F]/.test(s[off]!)) {
      if (off === 4) throw new AddrParseError(input, "IPv6 field has more than 4 digits", s);
      acc = acc * 16 + parseInt(s[off]!, 16);
      off++;
    }
    if (off === 0)
      throw new AddrParseError(input, "each colon-separated field must have at least one digit", s);
    if (s[off] === ".") {
      if (ellipsis < 0 && i !== 12)
        throw new AddrParseError(
          input,
          "embedded IPv4 address must replace the final 2 fields of the address",
          s,
        );
      if (i + 4 > 16)
        throw new AddrParseError(
          input,
          "too many hex fields to fit an embedded IPv4 at the end of the address",
          s,
        );
      ip.set(parse4(input, s), i);
      s = "";
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s === "") break;
    if (s[0] !== ":") throw new AddrParseError(input, "unexpected character, want colon", s);
    if (s.length === 1)
      throw new AddrParseError(input, "colon must be followed by more characters", s);
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) throw new AddrParseError(input, "multiple :: in address", s);
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") throw new AddrParseError(input, "trailing garbage after address", s);
  if (i < 16) {
    if (ellipsis < 0) throw new AddrParseError(input, "address string too short");
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw new AddrParseError(input, "the :: must expand to at least one field of zeros");
  }
  return ip;
}

/** Parses an address as netip.ParseAddr does; throws AddrParseError. */
export function parseAddr(s: string): Addr {
  for (const c of s) {
    if (c === ".") return { bytes: parse4(s, s), zone: "" };
    if (c === ":") {
      const pct = s.indexOf("%");
      const zone = pct < 0 ? "" : s.slice(pct + 1);
      if (pct >= 0 && zone === "") throw new AddrParseError(s, "zone must be a non-empty string");
      return { bytes: parse6(s, pct < 0 ? s : s.slice(0, pct)), zone };
    }
  }
  if (s === "") throw new AddrParseError(s, "empty string");
  throw new AddrParseError(s, "unable to parse IP");
}

/** Whether an IPv6 address is an IPv4-mapped one (::ffff:a.b.c.d). */
export function is4In6(a: Addr): boolean {
  const b = a.bytes;
  return (
    b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff
  );
}

/** netip's text of an address: dotted IPv4, RFC 5952 IPv6 (with `%zone`). */
export function formatAddr(a: Addr): string {
  const b = a.bytes;
  if (b.length === 4) return Array.from(b).join(".");
  const fields = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && fields[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  const text =
    best < 0 ? hex(fields) : `${hex(fields.slice(0, best))}::${hex(fields.slice(best + bestLen))}`;
  return a.zone ? `${text}%${a.zone}` : text;
}

/** A parsed prefix: its address as written and its length in bits. */
export interface Prefix {
  addr: Addr;
  bits: number;
}

/** Parses `addr/bits` as netip.ParsePrefix does; errors read `netip.ParsePrefix("..."): ...`. */
export function parsePrefix(s: string): Prefix {
  const fail = (reason: string) => new Error(`netip.ParsePrefix(${JSON.stringify(s)}): ${reason}`);
  const slash = s.lastIndexOf("/");
  if (slash < 0) throw fail("no '/'");
  let addr: Addr;
  try {
    addr = parseAddr(s.slice(0, slash));
  } catch (e) {
    throw fail((e as Error).message);
  }
  if (addr.zone !== "") throw fail("IPv6 zones cannot be present in a prefix");
  const bitsText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText))
    throw fail(`bad bits after slash: ${JSON.stringify(bitsText)}`);
  const bits = Number(bitsText);
  if (bits > addr.bytes.length * 8) throw fail(`prefix length out of range`);
  return { addr, bits };
}

/** The prefix's address with the bits past its length cleared. */
export function maskAddr(p: Prefix): Addr {
  const out = new Uint8Array(p.addr.bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, p.bits - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { bytes: out, zone: "" };
}

/** Whether `a` lies in `p` (same family, equal first p.bits bits). */
export function prefixContains(p: Prefix, a: Addr): boolean {
  if (a.bytes.length !== p.addr.bytes.length || a.zone !== "") return false;
  const m = maskAddr(p).bytes;
  const n = maskAddr({ addr: a, bits: p.bits }).bytes;
  return m.every((x, i) => x === n[i]);
}

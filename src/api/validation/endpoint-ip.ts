/**
 * Endpoint address checks, as upstream's ValidateNonSpecialIP (Endpoints
 * addresses, EndpointSlice IPv4/IPv6 addresses): the address must parse and
 * may not be unspecified, link-local or link-local multicast.
 *
 * One deliberate difference: loopback addresses (127.0.0.0/8, ::1) are
 * accepted. Servers here may listen only on loopback (the network rule):
 * HA servers on one machine advertise 127.0.0.x, so default/kubernetes
 * Endpoints (which agents follow) hold loopback addresses, and webhook,
 * CRD conversion, aggregated-API and custom-metrics test services point at
 * servers on 127.0.0.1 (upstream's resolver would dial the ClusterIP, or
 * follow an ExternalName service). `allowLoopback: false` gives upstream's
 * rule.
 */
import { isIP } from "node:net";

/** The 16 bytes of an IPv6 address, or the 4 of an IPv4 one (IPv4-mapped IPv6 unwrapped). */
function bytes(ip: string): number[] | undefined {
  // Node accepts zones ("fe80::1%eth0"); Go's ParseIP, as upstream, does not.
  const family = ip.includes("%") ? 0 : isIP(ip);
  if (family === 4) return ip.split(".").map(Number);
  if (family !== 6) return undefined;
  // A dotted IPv4 tail becomes two hex groups.
  const text = ip
    .toLowerCase()
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
      [Number(a) * 256 + Number(b), Number(c) * 256 + Number(d)]
        .map((g) => g.toString(16))
        .join(":"),
    );
  const [head, rest] = text.split("::");
  const parse = (s: string | undefined) => (s ? s.split(":").map((h) => parseInt(h, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  const groups =
    rest === undefined
      ? left
      : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const out = groups.flatMap((g) => [g >> 8, g & 255]);
  const mapped = out.slice(0, 10).every((b) => b === 0) && out[10] === 255 && out[11] === 255;
  return mapped ? out.slice(12) : out;
}

/** Upstream's messages for an endpoint IP (empty: acceptable). */
export function endpointIPErrors(ip: string, opts: { allowLoopback?: boolean } = {}): string[] {
  const b = bytes(ip);
  if (!b) return ["must be a valid IP address"];
  const errs: string[] = [];
  const v4 = b.length === 4;
  if (b.every((x) => x === 0)) errs.push(`may not be unspecified (${ip})`);
  const loopback = v4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  if (loopback && opts.allowLoopback === false)
    errs.push("may not be in the loopback range (127.0.0.0/8, ::1/128)");
  if (v4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80)
    errs.push("may not be in the link-local range (169.254.0.0/16, fe80::/10)");
  if (v4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1]! & 0x0f) === 2)
    errs.push("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
  return errs;
}

/**
 * Chain names of the iptables proxier, as upstream kube-proxy derives them:
 * a prefix plus the first 16 characters of the standard base32 encoding of
 * the SHA-256 of the service port name, protocol (and endpoint). Stable
 * across restarts and processes, so a restarted proxy finds its own chains.
 */
import { createHash } from "node:crypto";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (no padding needed: callers keep a prefix). */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** Memoizes hashes between syncs; owned by one proxier, bounded by `max` entries. */
export class ChainNameCache {
  private map = new Map<string, string>();
  constructor(private readonly max = 200_000) {}
  get(text: string): string {
    let v = this.map.get(text);
    if (v === undefined) {
      if (this.map.size >= this.max) this.map.clear();
      v = base32(createHash("sha256").update(text).digest()).slice(0, 16);
      this.map.set(text, v);
    }
    return v;
  }
}

function hash16(text: string, cache?: ChainNameCache): string {
  return cache ? cache.get(text) : base32(createHash("sha256").update(text).digest()).slice(0, 16);
}

/** `ns/name:port` (port name; empty for an unnamed port gives `ns/name`). */
export function servicePortName(namespace: string, name: string, port: string): string {
  return port ? `${namespace}/${name}:${port}` : `${namespace}/${name}`;
}

/** KUBE-SVC-*: the cluster-policy chain of a service port. */
export function servicePortChain(spn: string, protocol: string, cache?: ChainNameCache): string {
  return `KUBE-SVC-${hash16(spn + protocol.toLowerCase(), cache)}`;
}

/** KUBE-SVL-*: the local-policy chain (only node-local endpoints). */
export function serviceLocalChain(spn: string, protocol: string, cache?: ChainNameCache): string {
  return `KUBE-SVL-${hash16(spn + protocol.toLowerCase(), cache)}`;
}

/** KUBE-EXT-*: entry chain for traffic to a NodePort, LoadBalancer or external IP. */
export function externalChain(spn: string, protocol: string, cache?: ChainNameCache): string {
  return `KUBE-EXT-${hash16(spn + protocol.toLowerCase(), cache)}`;
}

/** KUBE-FW-*: loadBalancerSourceRanges filtering of a LoadBalancer service port. */
export function firewallChain(spn: string, protocol: string, cache?: ChainNameCache): string {
  return `KUBE-FW-${hash16(spn + protocol.toLowerCase(), cache)}`;
}

/** KUBE-SEP-*: one endpoint (`ip:port`) of a service port. */
export function endpointChain(
  spn: string,
  protocol: string,
  endpoint: string,
  cache?: ChainNameCache,
): string {
  return `KUBE-SEP-${hash16(spn + protocol.toLowerCase() + endpoint, cache)}`;
}

/** True for the per-service chains this proxier owns and may delete when stale. */
export function isServiceChain(chain: string): boolean {
  return /^KUBE-(SVC|SVL|EXT|SEP|FW)-[A-Z2-7]{16}$/.test(chain);
}

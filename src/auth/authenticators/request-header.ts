/**
 * Request-header authentication (kube-apiserver's --requestheader-* flags):
 * a front proxy (the aggregator of another API server, an auth proxy) that
 * presents a client certificate chaining to --requestheader-client-ca-file,
 * with a common name in --requestheader-allowed-names (any name when the
 * list is empty), asserts the user in headers: the first non-empty
 * username header (X-Remote-User), every value of the group headers
 * (X-Remote-Group) and extra fields from headers starting with an extra
 * prefix (X-Remote-Extra-<url-escaped key>, lower-cased).
 *
 * Contracts, as upstream's requestheader authenticator wrapped in its x509
 * verifier:
 * - A certificate that does not chain to the request-header CA: no opinion.
 * - A chaining certificate whose CN is not allowed: an error (401).
 * - A chaining certificate without a username header: no opinion when the
 *   certificate also chains to the ordinary client CA (x509 decides), else
 *   an error (401, the front proxy's identity alone is no user).
 * - On success the request-header headers are removed from the request so
 *   they are never forwarded (proxies, webhooks).
 */
import type { IncomingMessage } from "node:http";
import { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { AuthnResult, RequestAuthenticator } from "../types.ts";

/** The request-header settings, as the --requestheader-* flags. */
export interface RequestHeaderConfig {
  /** PEM bundle of the CAs front proxies' client certificates chain to. */
  clientCaPem: string;
  /** Accepted front-proxy common names; empty accepts any. */
  allowedNames: string[];
  usernameHeaders: string[];
  /** Empty: no uid is taken from headers. */
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** kubeadm's defaults for a front proxy (its client certificate is CN front-proxy-client). */
export const DEFAULT_REQUEST_HEADERS: Omit<RequestHeaderConfig, "clientCaPem"> = {
  allowedNames: ["front-proxy-client"],
  usernameHeaders: ["X-Remote-User"],
  uidHeaders: [],
  groupHeaders: ["X-Remote-Group"],
  extraHeaderPrefixes: ["X-Remote-Extra-"],
};

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_EKU = "2.5.29.37.0";

/** The certificates of a PEM bundle. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** Whether `leaf` was issued by one of `cas` (signature checked) and is valid at `now`. */
export function chainsTo(leaf: X509Certificate, cas: X509Certificate[], now: Date): boolean {
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (now < from || now > to) return false;
  return cas.some((ca) => {
    try {
      return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}

const lower = (names: string[]) => names.map((n) => n.toLowerCase());

/** Every value of the named headers, in order (repeated headers stay separate). */
function values(req: IncomingMessage, names: string[]): string[] {
  const distinct = req.headersDistinct;
  return lower(names).flatMap((n) => distinct[n] ?? []);
}

function commonName(cert: X509Certificate): string {
  const line = cert.subject.split("\n").find((l) => l.startsWith("CN="));
  return line ? line.slice(3) : "";
}

/** What a peer certificate says, independent of the time of a request. */
interface PeerFacts {
  validFrom: number;
  validTo: number;
  byRequestHeaderCa: boolean;
  byClientCa: boolean;
  clientAuth: boolean;
  cn: string;
}

function peerFacts(
  leaf: X509Certificate,
  cas: X509Certificate[],
  clientCas: X509Certificate[],
): PeerFacts {
  const issuedBy = (list: X509Certificate[]) =>
    list.some((ca) => {
      try {
        return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
      } catch {
        return false;
      }
    });
  const eku = leaf.keyUsage;
  const byRequestHeaderCa = issuedBy(cas);
  return {
    validFrom: Date.parse(leaf.validFrom),
    validTo: Date.parse(leaf.validTo),
    byRequestHeaderCa,
    // Asked only of front-proxy certificates (as before: no username header).
    byClientCa: byRequestHeaderCa && issuedBy(clientCas),
    clientAuth: !eku || eku.length === 0 || eku.includes(CLIENT_AUTH) || eku.includes(ANY_EKU),
    cn: commonName(leaf),
  };
}

/** The request-header authenticator; `clientCaPem` is the ordinary --client-ca-file. */
export function requestHeaderAuthenticator(
  config: RequestHeaderConfig,
  opts: { clientCaPem?: string; now?: () => Date } = {},
): RequestAuthenticator {
  const cas = parsePemBundle(config.clientCaPem);
  const clientCas = opts.clientCaPem ? parsePemBundle(opts.clientCaPem) : [];
  const now = opts.now ?? (() => new Date());
  const usernameHeaders = lower(config.usernameHeaders);
  const prefixes = lower(config.extraHeaderPrefixes);
  const owned = (h: string) =>
    usernameHeaders.includes(h) ||
    lower(config.uidHeaders).includes(h) ||
    lower(config.groupHeaders).includes(h) ||
    prefixes.some((p) => h.startsWith(p));
  // A connection's certificate never changes: its parse and signature checks
  // are kept per socket (they cost more than everything else in a request);
  // the validity window is checked on every request.
  const perSocket = new WeakMap<object, PeerFacts | null>();
  const factsOf = (socket: Partial<TLSSocket>): PeerFacts | null => {
    let facts = perSocket.get(socket);
    if (facts === undefined) {
      const peer = socket.getPeerCertificate!();
      facts = peer?.raw ? peerFacts(new X509Certificate(peer.raw), cas, clientCas) : null;
      perSocket.set(socket, facts);
    }
    return facts;
  };
  return {
    name: "requestheader",
    async authenticate(req: IncomingMessage): Promise<AuthnResult> {
      const socket = req.socket as Partial<TLSSocket>;
      if (typeof socket.getPeerCertificate !== "function") return { kind: "none" };
      const facts = factsOf(socket);
      if (!facts?.byRequestHeaderCa) return { kind: "none" };
      const at = now().getTime();
      if (at < facts.validFrom || at > facts.validTo) return { kind: "none" };
      if (!facts.clientAuth) return { kind: "none" };
      const cn = facts.cn;
      if (config.allowedNames.length > 0 && !config.allowedNames.includes(cn))
        return { kind: "error", message: `x509: subject with cn=${cn} is not in the allowed list` };
      const username = values(req, usernameHeaders).find((v) => v !== "");
      if (!username) {
        if (facts.byClientCa) return { kind: "none" };
        return { kind: "error", message: "x509: certificate signed by unknown authority" };
      }
      const uid = values(req, config.uidHeaders).find((v) => v !== "");
      const groups = values(req, config.groupHeaders);
      const extra: Record<string, string[]> = {};
      for (const [header, vals] of Object.entries(req.headersDistinct)) {
        const prefix = prefixes.find((p) => header.startsWith(p));
        if (!prefix || !vals) continue;
        let key = header.slice(prefix.length);
        try {
          key = decodeURIComponent(key);
        } catch {
          // Keep the raw key, as upstream does when unescaping fails.
        }
        (extra[key.toLowerCase()] ??= []).push(...vals);
      }
      for (const h of Object.keys(req.headers)) if (owned(h)) delete req.headers[h];
      return {
        kind: "user",
        user: {
          username,
          ...(uid ? { uid } : {}),
          groups,
          ...(Object.keys(extra).length > 0 ? { extra } : {}),
        },
      };
    },
  };
}

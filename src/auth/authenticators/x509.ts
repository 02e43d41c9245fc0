/**
 * x509 client-certificate authentication: a peer certificate that chains to
 * --client-ca-file (verified by the TLS layer, which requests but does not
 * require one) is the user CN with groups O. A certificate that does not
 * verify (unknown CA, expired, not yet valid) or whose extended key usage
 * excludes clientAuth is an authentication error (401).
 */
import type { IncomingMessage } from "node:http";
import type { PeerCertificate, TLSSocket } from "node:tls";
import type { AuthnResult, RequestAuthenticator } from "../types.ts";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_EKU = "2.5.29.37.0";

const REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: "x509: certificate has expired or is not yet valid",
  CERT_NOT_YET_VALID: "x509: certificate has expired or is not yet valid",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "x509: certificate signed by unknown authority",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "x509: certificate signed by unknown authority",
  DEPTH_ZERO_SELF_SIGNED_CERT: "x509: certificate signed by unknown authority",
  SELF_SIGNED_CERT_IN_CHAIN: "x509: certificate signed by unknown authority",
  CERT_SIGNATURE_FAILURE: "x509: certificate signed by unknown authority",
};

const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/**
 * The x509 authenticator over the request's TLS socket. A connection's peer
 * certificate never changes, so the answer is kept per socket (parsing the
 * certificate cost more than the rest of authentication); the validity
 * window is still checked on every request, as upstream does.
 */
export function x509Authenticator(now: () => number = Date.now): RequestAuthenticator {
  const perSocket = new WeakMap<object, { result: AuthnResult; notAfter: number }>();
  return {
    name: "x509",
    async authenticate(req: IncomingMessage): Promise<AuthnResult> {
      const socket = req.socket as Partial<TLSSocket>;
      if (typeof socket.getPeerCertificate !== "function") return { kind: "none" };
      let known = perSocket.get(socket);
      if (!known) {
        const cert = socket.getPeerCertificate();
        const notAfter = cert?.valid_to ? Date.parse(cert.valid_to) : Number.POSITIVE_INFINITY;
        known = { result: fromCertificate(socket, cert), notAfter };
        perSocket.set(socket, known);
      }
      if (known.result.kind === "user" && now() > known.notAfter)
        return { kind: "error", message: REASONS.CERT_HAS_EXPIRED! };
      return known.result;
    },
  };
}

/** The user a verified peer certificate names, or why it names none. */
function fromCertificate(
  socket: Partial<TLSSocket>,
  cert: PeerCertificate | undefined,
): AuthnResult {
  if (!cert || Object.keys(cert).length === 0) return { kind: "none" };
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? "");
    return { kind: "error", message: REASONS[code] ?? `x509: ${code || "verification failed"}` };
  }
  const eku = (cert as { ext_key_usage?: string[] }).ext_key_usage;
  if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU))
    return { kind: "error", message: "x509: certificate specifies an incompatible key usage" };
  const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[]>;
  const cn = asList(subject.CN)[0];
  if (!cn) return { kind: "error", message: "x509: certificate has no common name" };
  return { kind: "user", user: { username: cn, groups: asList(subject.O) } };
}

/**
 * postConversionReview: an asynchronous HTTPS POST of a ConversionReview to
 * a conversion webhook. The answer is an HTTP status and body, or a
 * transport failure worded as Go's HTTP client words it (`dial tcp
 * 127.0.0.1:1: connect: connection refused`, `context deadline exceeded`,
 * `tls: failed to verify certificate: x509: certificate signed by unknown
 * authority`). Never rejects; the request is aborted at `timeoutMs`.
 */
import { request as httpsRequest, type Agent } from "node:https";

/** One request. */
export interface PostRequest {
  url: URL;
  body: string;
  /** PEM CA bundle; undefined uses the system roots. */
  ca?: string;
  /** TLS server name when it differs from the URL host. */
  servername?: string;
  timeoutMs: number;
  /** Connection pool (keep-alive); default: a new connection per request. */
  agent?: Agent;
}

/** The answer: an HTTP status and body, or a transport error in Go's words. */
export type PostResult = { ok: true; status: number; body: string } | { ok: false; error: string };

const UNKNOWN_AUTHORITY = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** POSTs `req.body` as JSON and resolves with the answer or the failure. */
export function postConversionReview(req: PostRequest): Promise<PostResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: PostResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const payload = Buffer.from(req.body);
    const addr = `${req.url.hostname}:${req.url.port || "443"}`;
    const timer = setTimeout(() => {
      finish({ ok: false, error: "context deadline exceeded" });
      call.destroy();
    }, req.timeoutMs);
    const call = httpsRequest(
      req.url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, */*",
          "content-length": payload.length,
        },
        ca: req.ca,
        servername: req.servername,
        agent: req.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => finish({ ok: false, error: e.message }));
        res.on("end", () =>
          finish({
            ok: true,
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    call.on("error", (e: Error & { code?: string }) => {
      if (e.code === "ECONNREFUSED")
        finish({ ok: false, error: `dial tcp ${addr}: connect: connection refused` });
      else if (e.code && UNKNOWN_AUTHORITY.has(e.code))
        finish({
          ok: false,
          error: "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        });
      else finish({ ok: false, error: e.message });
    });
    call.end(payload);
  });
}

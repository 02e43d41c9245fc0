/**
 * A real admission webhook server for tests: HTTPS on 127.0.0.1 (port 0)
 * with its own CA, answering AdmissionReviews with a handler. Handlers
 * return a response body (uid is filled in), or "hang" to never answer.
 * The answer has the apiVersion of the review received (v1 or v1beta1).
 */
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { issueCertificate } from "../../../pki/self-signed.ts";

type Rec = Record<string, unknown>;

export type ReviewHandler = (request: Rec, path: string) => Rec | "hang";

export interface TestWebhookServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The CA, base64 PEM as clientConfig.caBundle wants it. */
  caBundle: string;
  /** Requests received, in order. */
  requests: { path: string; request: Rec; apiVersion: string }[];
  close(): Promise<void>;
}

/** Helper for handlers: an allowing response with a JSON patch. */
export function patchResponse(ops: unknown[], extra: Rec = {}): Rec {
  return {
    allowed: true,
    patchType: "JSONPatch",
    patch: Buffer.from(JSON.stringify(ops)).toString("base64"),
    ...extra,
  };
}

/** Starts the server; `dnsNames` are added to its certificate (service names). */
export async function startWebhookServer(
  handler: ReviewHandler,
  dnsNames: string[] = [],
): Promise<TestWebhookServer> {
  const ca = await issueCertificate({ commonName: "webhook-test-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: "webhook",
    usage: "server",
    signer: ca,
    dnsNames: ["localhost", ...dnsNames],
    ipAddresses: ["127.0.0.1"],
  });
  const requests: TestWebhookServer["requests"] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer(
    { cert: serving.certPem, key: serving.keyPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Rec;
        const request = review.request as Rec;
        const path = new URL(req.url ?? "/", "https://x").pathname;
        requests.push({ path, request, apiVersion: String(review.apiVersion) });
        const answer = handler(request, path);
        if (answer === "hang") {
          const end = () => res.destroy();
          hanging.add(end);
          res.on("close", () => hanging.delete(end));
          return;
        }
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            apiVersion: review.apiVersion,
            kind: "AdmissionReview",
            response: { uid: request.uid, ...answer },
          }),
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    requests,
    async close() {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

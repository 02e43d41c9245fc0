/**
 * A stand-in kubelet for tests: HTTPS on 127.0.0.1 (port 0) with its own
 * CA, recording the path and query of every request and upgrade it gets.
 * Plain requests are answered "ok"; upgrades get 101 and are closed at once.
 */
import https from "node:https";
import { issueCertificate } from "../../pki/self-signed.ts";

export interface FakeKubelet {
  port: number;
  /** Paths (with query) asked for, oldest first. */
  seen: string[];
  close(): Promise<void>;
}

export async function startFakeKubelet(): Promise<FakeKubelet> {
  const ca = await issueCertificate({ commonName: "fake-kubelet-ca", usage: "ca" });
  const cert = await issueCertificate({
    signer: ca,
    commonName: "fake-kubelet",
    usage: "server",
    ipAddresses: ["127.0.0.1"],
  });
  const seen: string[] = [];
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    seen.push(req.url ?? "");
    res.end("ok");
  });
  server.on("upgrade", (req, socket) => {
    seen.push(req.url ?? "");
    socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

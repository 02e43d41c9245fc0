import assert from "node:assert/strict";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { test } from "node:test";
import { issueCertificate } from "../pki/self-signed.ts";
import { RestClient } from "./rest-client.ts";

test("HTTPS with a client certificate: the certificate is presented and one connection serves many requests", async () => {
  const ca = await issueCertificate({ commonName: "test-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: "server",
    usage: "server",
    signer: ca,
    ipAddresses: ["127.0.0.1"],
  });
  const client = await issueCertificate({ commonName: "alice", usage: "client", signer: ca });
  const peers: string[] = [];
  let connections = 0;
  const server = https.createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      peers.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ""));
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ kind: "Status", path: req.url }));
    },
  );
  server.on("secureConnection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const rc = new RestClient({
    server: `https://127.0.0.1:${port}`,
    ca: ca.certPem,
    cert: client.certPem,
    key: client.keyPem,
    qps: 1e6,
    burst: 1e6,
  });
  try {
    const cases = ["/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h"];
    for (const path of cases) {
      const got = await rc.request<{ path: string }>("GET", path);
      assert.equal(got.path, path);
    }
    assert.deepEqual(
      peers,
      cases.map(() => "alice"),
    );
    // Sequential requests reuse the kept-alive connection: one handshake only.
    assert.equal(connections, 1);
  } finally {
    rc.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("HTTPS to a server whose certificate the CA did not sign is refused", async () => {
  const ca = await issueCertificate({ commonName: "test-ca", usage: "ca" });
  const other = await issueCertificate({ commonName: "other-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: "server",
    usage: "server",
    signer: other,
    ipAddresses: ["127.0.0.1"],
  });
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (_req, res) =>
    res.end("{}"),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const rc = new RestClient({ server: `https://127.0.0.1:${port}`, ca: ca.certPem });
  try {
    await assert.rejects(rc.request("GET", "/"), /certificate/i);
  } finally {
    rc.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

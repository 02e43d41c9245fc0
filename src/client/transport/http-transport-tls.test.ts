import assert from "node:assert/strict";
import https from "node:https";
import type { AddressInfo } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import { test } from "node:test";
import { issueCertificate } from "../../pki/self-signed.ts";
import { HttpTransport } from "./http-transport.ts";

test("TLS: client certificate, CA check, server name, kept-alive connection and session reuse", async (t) => {
  const ca = await issueCertificate({ commonName: "test-ca", usage: "ca" });
  const other = await issueCertificate({ commonName: "other-ca", usage: "ca" });
  const serving = await issueCertificate({
    commonName: "apiserver",
    usage: "server",
    signer: ca,
    dnsNames: ["kubernetes.default"],
  });
  const alice = await issueCertificate({ commonName: "alice", usage: "client", signer: ca });
  const peers: string[] = [];
  let handshakes = 0;
  let resumed = 0;
  const server = https.createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      peers.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? "none"));
      if (req.url === "/watch") {
        res.writeHead(200);
        res.write('{"type":"ADDED"}\n');
        return res.end('{"type":"DELETED"}\n');
      }
      res.end(JSON.stringify({ path: req.url }));
    },
  );
  server.on("secureConnection", (s: TLSSocket) => {
    handshakes++;
    if (s.isSessionReused()) resumed++;
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const transport = (o: { ca?: string; cert?: boolean; servername?: string; verify?: boolean }) =>
    new HttpTransport({
      host: "127.0.0.1",
      port,
      tls: {
        secureContext: tls.createSecureContext({
          ca: o.ca,
          cert: o.cert ? alice.certPem : undefined,
          key: o.cert ? alice.keyPem : undefined,
        }),
        rejectUnauthorized: o.verify ?? true,
        servername: o.servername,
      },
    });
  try {
    await t.test("client certificate over one connection, streams too", async () => {
      const tr = transport({ ca: ca.certPem, cert: true, servername: "kubernetes.default" });
      try {
        for (const p of ["/a", "/b", "/c"])
          assert.equal(
            JSON.parse((await tr.request({ method: "GET", path: p })).body.toString()).path,
            p,
          );
        const s = await tr.stream({ method: "GET", path: "/watch" });
        assert.equal((await s.readAll()).toString(), '{"type":"ADDED"}\n{"type":"DELETED"}\n');
        assert.deepEqual(peers, ["alice", "alice", "alice", "alice"]);
        assert.equal(handshakes, 1);
        // A new connection resumes the TLS session of the first.
        tr.close();
        await tr.request({ method: "GET", path: "/d" });
        assert.equal(handshakes, 2);
        assert.equal(resumed, 1);
      } finally {
        tr.close();
      }
    });
    const refusals = [
      {
        name: "server name not in the certificate",
        o: { ca: ca.certPem },
        err: /altnames|IP: 127\.0\.0\.1/,
      },
      {
        name: "CA that did not sign the server",
        o: { ca: other.certPem, servername: "kubernetes.default" },
        err: /certificate/i,
      },
    ];
    for (const c of refusals) {
      await t.test(`refused: ${c.name}`, async () => {
        const tr = transport(c.o);
        try {
          await assert.rejects(tr.request({ method: "GET", path: "/" }), c.err);
        } finally {
          tr.close();
        }
      });
    }
    await t.test("rejectUnauthorized false accepts any server", async () => {
      const tr = transport({ verify: false });
      try {
        assert.equal((await tr.request({ method: "GET", path: "/x" })).status, 200);
      } finally {
        tr.close();
      }
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

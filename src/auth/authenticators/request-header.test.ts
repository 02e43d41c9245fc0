import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { issueCertificate, type CertKeyPair } from "../../pki/self-signed.ts";
import type { AuthnResult } from "../types.ts";
import {
  DEFAULT_REQUEST_HEADERS,
  chainsTo,
  parsePemBundle,
  requestHeaderAuthenticator,
} from "./request-header.ts";

let server: Server;
let frontCa: CertKeyPair;
let clientCa: CertKeyPair;
let proxy: CertKeyPair;
let otherProxy: CertKeyPair;
let admin: CertKeyPair;
let seenHeaders: Record<string, unknown>[] = [];

before(async () => {
  [frontCa, clientCa] = await Promise.all([
    issueCertificate({ commonName: "front-proxy-ca", usage: "ca" }),
    issueCertificate({ commonName: "kubernetes", usage: "ca" }),
  ]);
  [proxy, otherProxy, admin] = await Promise.all([
    issueCertificate({ commonName: "front-proxy-client", usage: "client", signer: frontCa }),
    issueCertificate({ commonName: "someone-else", usage: "client", signer: frontCa }),
    issueCertificate({
      commonName: "kubernetes-admin",
      organizations: ["system:masters"],
      usage: "client",
      signer: clientCa,
    }),
  ]);
  const authn = requestHeaderAuthenticator(
    { clientCaPem: frontCa.certPem, ...DEFAULT_REQUEST_HEADERS },
    { clientCaPem: clientCa.certPem },
  );
  const serving = await issueCertificate({
    commonName: "localhost",
    usage: "server",
    signer: clientCa,
    ipAddresses: ["127.0.0.1"],
  });
  server = createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: [clientCa.certPem, frontCa.certPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      void authn.authenticate(req).then((r) => {
        seenHeaders.push({ ...req.headers });
        res.end(JSON.stringify(r));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function call(cert: CertKeyPair | undefined, headers: [string, string][]): Promise<AuthnResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
        path: "/",
        ca: clientCa.certPem,
        cert: cert?.certPem,
        key: cert?.keyPem,
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(JSON.parse(body) as AuthnResult));
      },
    );
    req.on("error", reject);
    // Raw header pairs keep repeated headers separate on the wire.
    for (const [k, v] of headers) req.appendHeader(k, v);
    req.end();
  });
}

test("a front proxy's certificate with X-Remote-* headers authenticates the asserted user", async () => {
  seenHeaders = [];
  const r = await call(proxy, [
    ["X-Remote-User", "alice"],
    ["X-Remote-Group", "devs"],
    ["X-Remote-Group", "ops"],
    ["X-Remote-Extra-Scopes", "openid"],
    ["X-Remote-Extra-Scopes", "profile"],
    ["X-Remote-Extra-Acme.com%2Fproject", "p1"],
    ["X-Other", "kept"],
  ]);
  assert.deepEqual(r, {
    kind: "user",
    user: {
      username: "alice",
      groups: ["devs", "ops"],
      extra: { scopes: ["openid", "profile"], "acme.com/project": ["p1"] },
    },
  });
  const headers = seenHeaders[0];
  assert.equal(headers["x-remote-user"], undefined, "request-header headers are removed");
  assert.equal(headers["x-remote-group"], undefined);
  assert.equal(headers["x-other"], "kept");
});

test("the outcomes of the other cases", async () => {
  const table: [string, CertKeyPair | undefined, [string, string][], AuthnResult][] = [
    ["no client certificate", undefined, [["X-Remote-User", "alice"]], { kind: "none" }],
    [
      "a client-CA certificate: headers are ignored (x509 decides)",
      admin,
      [["X-Remote-User", "alice"]],
      { kind: "none" },
    ],
    [
      "a front-proxy CN not in the allowed names",
      otherProxy,
      [["X-Remote-User", "alice"]],
      { kind: "error", message: "x509: subject with cn=someone-else is not in the allowed list" },
    ],
    [
      "the front proxy without a user header",
      proxy,
      [],
      { kind: "error", message: "x509: certificate signed by unknown authority" },
    ],
    [
      "an empty user header counts as none",
      proxy,
      [["X-Remote-User", ""]],
      { kind: "error", message: "x509: certificate signed by unknown authority" },
    ],
  ];
  for (const [name, cert, headers, want] of table)
    assert.deepEqual(await call(cert, headers), want, name);
});

test("chainsTo checks issuer, signature and validity", async () => {
  const leaf = parsePemBundle(proxy.certPem)[0];
  const both = parsePemBundle(`${clientCa.certPem}\n${frontCa.certPem}`);
  assert.equal(both.length, 2);
  assert.equal(chainsTo(leaf, both, new Date()), true);
  assert.equal(chainsTo(leaf, parsePemBundle(clientCa.certPem), new Date()), false);
  assert.equal(chainsTo(leaf, both, new Date(Date.now() + 400 * 86_400_000)), false, "expired");
});

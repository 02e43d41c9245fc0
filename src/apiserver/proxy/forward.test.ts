/**
 * forwardToKubelet's streams: a slow client holds back the kubelet's stream
 * (logs -f, a proxied download) instead of the API server buffering it, on
 * Node's server and behind the lean listener (which hands such requests over).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { issueCertificate } from "../../pki/self-signed.ts";
import type { RequestContext } from "../context.ts";
import { createApiListener } from "../http/api-listener.ts";
import type { LeanListener } from "../http/lean-server.ts";
import { forwardToKubelet } from "./forward.ts";

const MiB = 1024 * 1024;

for (const lean of [false, true]) {
  test(`a client that does not read pauses the kubelet's stream (${lean ? "lean listener" : "Node's server"})`, async () => {
    await pausesKubeletStream(lean);
  });
}

/**
 * The API server's listener (lean: the lean path, which hands a log request to Node's server
 * with the bytes it read put back) or a bare Node server in front of forwardToKubelet.
 */
async function pausesKubeletStream(lean: boolean) {
  const ca = await issueCertificate({ commonName: "ca", usage: "ca" });
  const { certPem, keyPem } = await issueCertificate({
    commonName: "kubelet",
    ipAddresses: ["127.0.0.1"],
    usage: "server",
    signer: ca,
  });
  // The "kubelet": writes 1 MiB chunks as long as its socket accepts them, up to 256 MiB.
  let sent = 0;
  let waited: (() => void) | undefined;
  const blocked = new Promise<void>((r) => (waited = r));
  const kubelet = https.createServer({ cert: certPem, key: keyPem }, (_req, res) => {
    const chunk = Buffer.alloc(MiB, 120);
    const pump = () => {
      while (sent < 256 * MiB) {
        sent += MiB;
        if (!res.write(chunk)) {
          waited?.();
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => kubelet.listen(0, "127.0.0.1", r));
  const kubeletPort = (kubelet.address() as AddressInfo).port;
  const servedBy: string[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    servedBy.push(res instanceof http.ServerResponse ? "node" : "lean");
    const ctx = { req, res } as unknown as RequestContext;
    void forwardToKubelet(
      ctx,
      { host: "127.0.0.1", port: kubeletPort, tls: { rejectUnauthorized: false } },
      { path: "/containerLogs/default/web/main?follow=true" },
    );
  };
  const listener: LeanListener = lean
    ? createApiListener({ onRequest, lean: true })
    : (() => {
        const node = http.createServer(onRequest);
        return { server: node, closeAllConnections: () => node.closeAllConnections() };
      })();
  const front = listener.server;
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  let socket: Socket | undefined;
  try {
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(
        {
          host: "127.0.0.1",
          port: (front.address() as AddressInfo).port,
          path: "/api/v1/namespaces/default/pods/web/log?follow=true",
        },
        resolve,
      );
      req.once("socket", (s) => (socket = s));
      req.once("error", reject);
    });
    assert.equal(answer.statusCode, 200);
    // The lean path hands log (and proxy, exec) requests to Node's server: forwardToKubelet
    // only ever writes to a ServerResponse, on a socket whose first bytes were put back.
    assert.deepEqual(servedBy, ["node"]);
    answer.pause();
    // Every buffer on the way fills, then the kubelet must wait for its socket to drain.
    await blocked;
    const atBlock = sent;
    // Given time, an unbounded relay would read on (the kubelet's socket drains into it).
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(sent < 64 * MiB, `the kubelet sent ${sent / MiB} MiB to a client reading none`);
    assert.ok(sent <= atBlock + 8 * MiB, `${atBlock / MiB} MiB, then ${sent / MiB} MiB`);
    answer.resume();
    let got = 0;
    for await (const c of answer) got += (c as Buffer).length;
    assert.equal(got, 256 * MiB, "everything arrives once the client reads");
  } finally {
    socket?.destroy();
    listener.closeAllConnections();
    kubelet.closeAllConnections();
    await new Promise((r) => front.close(r));
    await new Promise((r) => kubelet.close(r));
  }
}

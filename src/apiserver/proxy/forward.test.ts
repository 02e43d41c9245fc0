/**
 * forwardToKubelet's streams: a slow client holds back the kubelet's stream
 * (logs -f, a proxied download) instead of the API server buffering it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { issueCertificate } from "../../pki/self-signed.ts";
import type { RequestContext } from "../context.ts";
import { forwardToKubelet } from "./forward.ts";

const MiB = 1024 * 1024;

test("a client that does not read pauses the kubelet's stream", async () => {
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
  const front = http.createServer((req, res) => {
    const ctx = { req, res } as unknown as RequestContext;
    void forwardToKubelet(
      ctx,
      { host: "127.0.0.1", port: kubeletPort, tls: { rejectUnauthorized: false } },
      { path: "/containerLogs/default/web/main?follow=true" },
    );
  });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  let socket: Socket | undefined;
  try {
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(
        { host: "127.0.0.1", port: (front.address() as AddressInfo).port, path: "/" },
        resolve,
      );
      req.once("socket", (s) => (socket = s));
      req.once("error", reject);
    });
    assert.equal(answer.statusCode, 200);
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
    front.closeAllConnections();
    kubelet.closeAllConnections();
    await new Promise((r) => front.close(r));
    await new Promise((r) => kubelet.close(r));
  }
});

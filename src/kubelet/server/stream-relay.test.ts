import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import {
  CHANNEL_PROTOCOLS,
  offeredStreamProtocols,
  pickProtocol,
  PORT_FORWARD_TUNNEL_PROTOCOL,
} from "./stream-relay.ts";
import { subresourceOf } from "./kubelet-server.ts";

test("pickProtocol takes the server's most preferred protocol the client offered", () => {
  const cases: [string[], string[], string | undefined][] = [
    [
      ["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io"],
      CHANNEL_PROTOCOLS,
      "v5.channel.k8s.io",
    ],
    [[" v4.channel.k8s.io", "channel.k8s.io"], CHANNEL_PROTOCOLS, "v4.channel.k8s.io"],
    [["base64.channel.k8s.io"], CHANNEL_PROTOCOLS, undefined],
    [[PORT_FORWARD_TUNNEL_PROTOCOL], [PORT_FORWARD_TUNNEL_PROTOCOL], PORT_FORWARD_TUNNEL_PROTOCOL],
    [[], CHANNEL_PROTOCOLS, undefined],
  ];
  for (const [offered, supported, want] of cases)
    assert.equal(pickProtocol(offered, supported), want, offered.join(","));
});

test("subresourceOf maps kubelet paths to node subresources", () => {
  const cases: [string, string][] = [
    ["/stats/summary", "stats"],
    ["/metrics/resource", "metrics"],
    ["/metrics", "metrics"],
    ["/logs/syslog", "log"],
    ["/containerLogs/ns/p/c", "proxy"],
    ["/exec/ns/p/c", "proxy"],
    ["/healthz", "proxy"],
  ];
  for (const [path, want] of cases) assert.equal(subresourceOf(path), want, path);
});

test("offeredStreamProtocols reads repeated or comma-joined X-Stream-Protocol-Version", () => {
  const cases: [string[] | undefined, string[]][] = [
    [
      ["v5.channel.k8s.io", "v4.channel.k8s.io"],
      ["v5.channel.k8s.io", "v4.channel.k8s.io"],
    ],
    [
      ["v4.channel.k8s.io, v3.channel.k8s.io,channel.k8s.io"],
      ["v4.channel.k8s.io", "v3.channel.k8s.io", "channel.k8s.io"],
    ],
    [["portforward.k8s.io"], ["portforward.k8s.io"]],
    [undefined, []],
  ];
  for (const [header, want] of cases) {
    const req = { headersDistinct: header ? { "x-stream-protocol-version": header } : {} };
    assert.deepEqual(offeredStreamProtocols(req as unknown as IncomingMessage), want);
  }
});

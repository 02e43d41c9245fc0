import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { isStorageError } from "../errors.ts";
import { newEtcdRpc, normalizeEndpoint } from "./etcd-client.ts";

test("normalizeEndpoint adds the scheme TLS implies", () => {
  const cases: Array<[string, boolean, string]> = [
    ["127.0.0.1:2379", false, "http://127.0.0.1:2379"],
    ["127.0.0.1:2379", true, "https://127.0.0.1:2379"],
    ["etcd://h:1", true, "https://h:1"],
    ["https://h:1/", false, "https://h:1"],
  ];
  for (const [endpoint, tls, want] of cases) assert.equal(normalizeEndpoint(endpoint, tls), want);
  assert.throws(
    () => normalizeEndpoint("unix://sock", false),
    (err) => isStorageError(err, "InvalidArgument"),
  );
});

test("Maintenance.Status (the version probe) is a read: retried when its connection drops", async () => {
  let calls = 0;
  const server = createServer();
  server.on("stream", (stream) => {
    stream.on("error", () => {});
    stream.resume();
    stream.on("end", () => {
      if (calls++ === 0) return void stream.session?.destroy();
      // StatusResponse { version (2): "3.5.17" }, framed.
      const version = Buffer.from("3.5.17");
      const message = Buffer.concat([Buffer.from([(2 << 3) | 2, version.length]), version]);
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(message.length, 1);
      stream.respond(
        { ":status": 200, "content-type": "application/grpc" },
        { waitForTrailers: true },
      );
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.concat([frame, message]));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const rpc = await newEtcdRpc({
    endpoints: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`],
  });
  try {
    assert.equal(await rpc.version(), "3.5.17");
    assert.equal(calls, 2);
  } finally {
    rpc.close();
    server.close();
  }
});

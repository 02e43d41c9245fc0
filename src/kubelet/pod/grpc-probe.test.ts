import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { decodeHealthCheckResponse, encodeHealthCheckRequest, grpcProbe } from "./grpc-probe.ts";

test("HealthCheckRequest/Response encoding", () => {
  assert.deepEqual([...encodeHealthCheckRequest("")], [0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeHealthCheckRequest("ab")], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  const cases: [number[], number][] = [
    [[], 0],
    [[0x08, 0x01], 1],
    [[0x08, 0x02], 2],
    [[0x12, 0x01, 0x78, 0x08, 0x03], 3], // unknown length-delimited field skipped
  ];
  for (const [bytes, want] of cases)
    assert.equal(decodeHealthCheckResponse(Buffer.from(bytes)), want, JSON.stringify(bytes));
});

// A real gRPC server (grpc-js) whose Health/Check answers per service name.
const statuses: Record<string, number> = { "": 1, sick: 2, gone: 3 };
let server: grpc.Server;
let port = 0;
let plain: http2.Http2Server;
let plainPort = 0;

before(async () => {
  server = new grpc.Server();
  server.addService(
    {
      Check: {
        path: "/grpc.health.v1.Health/Check",
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: { service: string }) =>
          encodeHealthCheckRequest(v.service).subarray(5),
        // A wrapper object: grpc-js treats a falsy request as missing.
        requestDeserialize: (b: Buffer) => ({
          service: b.length > 2 ? b.subarray(2).toString() : "",
        }),
        responseSerialize: (status: number) => Buffer.from(status ? [0x08, status] : []),
        responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
      },
    },
    {
      Check: (
        call: grpc.ServerUnaryCall<{ service: string }, number>,
        cb: grpc.sendUnaryData<number>,
      ) => {
        if (call.request.service === "boom")
          return cb({ code: grpc.status.INTERNAL, details: "exploded" });
        if (call.request.service === "slow") return void setTimeout(() => cb(null, 1), 3000);
        const s = statuses[call.request.service];
        if (s === undefined) return cb({ code: grpc.status.NOT_FOUND, details: "unknown service" });
        cb(null, s);
      },
    },
  );
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  // An HTTP/2 server that is not a health server: every call is Unimplemented.
  plain = http2.createServer();
  plain.on("stream", (stream) => {
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": "12",
        "grpc-message": "unknown service grpc.health.v1.Health",
      },
      { endStream: true },
    );
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  plainPort = (plain.address() as AddressInfo).port;
});

after(async () => {
  server.forceShutdown();
  await new Promise((r) => plain.close(r));
});

test("grpcProbe against real gRPC servers", async () => {
  const cases: { name: string; port: () => number; service: string; ok: boolean; msg: RegExp }[] = [
    { name: "serving", port: () => port, service: "", ok: true, msg: /^service healthy$/ },
    { name: "named", port: () => port, service: "sick", ok: false, msg: /NOT_SERVING/ },
    {
      name: "not serving",
      port: () => port,
      service: "sick",
      ok: false,
      msg: /responded with "NOT_SERVING"/,
    },
    {
      name: "service unknown",
      port: () => port,
      service: "gone",
      ok: false,
      msg: /"SERVICE_UNKNOWN"/,
    },
    {
      name: "rpc error",
      port: () => port,
      service: "boom",
      ok: false,
      msg: /health rpc probe failed: .*exploded/,
    },
    {
      name: "timeout",
      port: () => port,
      service: "slow",
      ok: false,
      msg: /did not complete within 0.5s|within 0.5s/,
    },
    {
      name: "unimplemented",
      port: () => plainPort,
      service: "",
      ok: false,
      msg: /does not implement the grpc health protocol/,
    },
    {
      name: "refused",
      port: () => 1,
      service: "",
      ok: false,
      msg: /failed to connect service "127.0.0.1:1" within 5s: .*ECONNREFUSED/,
    },
  ];
  for (const c of cases) {
    const r = await grpcProbe("127.0.0.1", c.port(), c.service, c.name === "timeout" ? 500 : 5000);
    assert.equal(r.ok, c.ok, `${c.name}: ${r.message}`);
    assert.match(r.message, c.msg, c.name);
  }
});

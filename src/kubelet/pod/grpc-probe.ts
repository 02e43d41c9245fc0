/**
 * The gRPC probe (upstream pkg/probe/grpc): one unary call of
 * grpc.health.v1.Health/Check over HTTP/2 cleartext to podIP:port, with
 * HealthCheckRequest{service} and success only when the answer is
 * HealthCheckResponse{status: SERVING}. Messages are protobuf encoded here
 * (two one-field messages), framed as gRPC length-prefixed messages.
 */
import http2 from "node:http2";
import type { ProbeResult } from "./probe.ts";

/** grpc.health.v1.HealthCheckResponse.ServingStatus names by number. */
export const servingStatusNames = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** HealthCheckRequest{service = 1} as a gRPC length-prefixed message. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service);
  const msg = s.length
    ? Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s])
    : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

function readVarint(b: Buffer, pos: number): [number, number] {
  let n = 0;
  let shift = 0;
  for (;;) {
    if (pos >= b.length) throw new Error("truncated varint");
    const byte = b[pos++];
    n += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [n, pos];
    shift += 7;
  }
}

/** The status field (1) of a HealthCheckResponse body (no gRPC prefix); 0 when absent. */
export function decodeHealthCheckResponse(msg: Buffer): number {
  let pos = 0;
  let status = 0;
  while (pos < msg.length) {
    const [tag, p] = readVarint(msg, pos);
    pos = p;
    const wire = tag & 7;
    if (wire === 0) {
      const [v, q] = readVarint(msg, pos);
      pos = q;
      if (tag >>> 3 === 1) status = v;
    } else if (wire === 2) {
      const [len, q] = readVarint(msg, pos);
      pos = q + len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return status;
}

/** gRPC status code names used in messages. */
const codeNames: Record<number, string> = {
  4: "DeadlineExceeded",
  12: "Unimplemented",
  14: "Unavailable",
};

/** Runs one Health/Check against host:port within timeoutMs. */
export function grpcProbe(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const addr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const secs = `${timeoutMs / 1000}s`;
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    const session = http2.connect(`http://${addr}`);
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          message: connected
            ? `timeout: health rpc did not complete within ${secs}`
            : `timeout: failed to connect service "${addr}" within ${secs}: context deadline exceeded`,
        }),
      timeoutMs,
    );
    const failed = (err: Error) =>
      finish({
        ok: false,
        message: connected
          ? `error: health rpc probe failed: ${err.message}`
          : `timeout: failed to connect service "${addr}" within ${secs}: ${err.message}`,
      });
    session.on("error", failed);
    session.on("connect", () => (connected = true));
    const req = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Check",
      "content-type": "application/grpc",
      te: "trailers",
      "user-agent": "kube-probe/1.32",
      "grpc-timeout": `${Math.max(1, Math.floor(timeoutMs))}m`,
    });
    const chunks: Buffer[] = [];
    let headerStatus: string | undefined;
    let headerMessage = "";
    req.on("response", (h) => {
      if (h["grpc-status"] !== undefined) {
        headerStatus = String(h["grpc-status"]);
        headerMessage = decodeURIComponent(String(h["grpc-message"] ?? ""));
      }
    });
    req.on("data", (d: Buffer) => chunks.push(d));
    let trailerStatus: string | undefined;
    let trailerMessage = "";
    req.on("trailers", (t) => {
      trailerStatus = t["grpc-status"] === undefined ? undefined : String(t["grpc-status"]);
      trailerMessage = decodeURIComponent(String(t["grpc-message"] ?? ""));
    });
    req.on("error", failed);
    req.on("end", () => {
      const code = Number(trailerStatus ?? headerStatus ?? "2");
      const message = trailerStatus !== undefined ? trailerMessage : headerMessage;
      if (code !== 0) {
        if (code === 12)
          return finish({
            ok: false,
            message: `server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}`,
          });
        if (code === 4)
          return finish({
            ok: false,
            message: `timeout: health rpc did not complete within ${secs}`,
          });
        return finish({
          ok: false,
          message: `error: health rpc probe failed: rpc error: code = ${codeNames[code] ?? code} desc = ${message}`,
        });
      }
      const body = Buffer.concat(chunks);
      if (body.length < 5)
        return finish({ ok: false, message: "error: health rpc probe failed: empty response" });
      const status = decodeHealthCheckResponse(body.subarray(5, 5 + body.readUInt32BE(1)));
      if (status !== 1)
        return finish({
          ok: false,
          message: `service unhealthy (responded with "${servingStatusNames[status] ?? status}")`,
        });
      finish({ ok: true, message: "service healthy" });
    });
    req.end(encodeHealthCheckRequest(service));
  });
}

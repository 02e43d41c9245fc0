/**
 * The kubelet's streaming endpoints (/exec, /attach, /portForward) relay a
 * client's upgraded connection to the URL the runtime's streaming server
 * returned (CRI Exec/Attach/PortForward), as upstream's kubelet proxies to
 * containerd's streaming server.
 *
 * - exec/attach: the client speaks WebSocket channel.k8s.io (v5, v4, v3,
 *   v2 or v1; kubectl 1.32 asks for v5 first: first byte = channel; 0
 *   stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize, and v5's close
 *   signal 255). The kubelet talks remote-command v4 over SPDY to the
 *   runtime (containerd 1.6's WebSocket support stops at v4, which cannot
 *   half-close stdin; SPDY can), mapping channels to SPDY streams.
 * - portForward: kubectl 1.32 tunnels SPDY inside WebSocket binary
 *   messages (subprotocol `SPDY/3.1+portforward.k8s.io`); the kubelet opens
 *   a SPDY/3.1 upgrade (`portforward.k8s.io`) to the runtime and relays the
 *   bytes unchanged, so the SPDY session runs end to end between kubectl
 *   and containerd.
 * - Plain SPDY/3.1 clients (kubectl's fallback, with
 *   KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false or
 *   KUBECTL_PORT_FORWARD_WEBSOCKETS=false) of all three are relayed byte
 *   for byte over the raw socket, the protocol version negotiated with the
 *   runtime.
 */
import http, { type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import {
  dialRemoteCommand,
  dialRuntimeSpdy,
  type RemoteCommandOptions,
  type RemoteCommandSession,
} from "./spdy/remote-command.ts";

/** Subprotocols for exec/attach, most preferred first. */
export const CHANNEL_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];
export const PORT_FORWARD_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io";
/** The SPDY port-forward protocol version. */
export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";

/** v5's close signal: `[255, channel]` closes the client's side of a channel. */
export const CLOSE_SIGNAL = 255;

/** The subprotocol the server picks among what the client offered (undefined: none fits). */
export function pickProtocol(offered: Iterable<string>, supported: string[]): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return supported.find((p) => set.has(p));
}

/** True when the request asks for a WebSocket upgrade. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  supported: string[],
): Promise<WebSocket | undefined> {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => pickProtocol(offered, supported) ?? false,
  });
  return new Promise((resolve) => {
    const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",");
    if (!pickProtocol(offered, supported)) {
      rejectUpgrade(socket, 400, `unsupported subprotocol(s): ${offered.join(",")}`);
      return resolve(undefined);
    }
    wss.handleUpgrade(req, socket, head, (ws) => resolve(ws));
  });
}

/**
 * Accepts the client's exec/attach WebSocket and relays it to the runtime's
 * streaming URL over SPDY (remote-command v4), obtained lazily after the
 * client upgraded so failures reach the client as a Status on the error
 * channel. Client channel 0 is stdin (v5's close signal half-closes it),
 * 4 resize; the runtime's stdout, stderr and error streams go to channels
 * 1, 2 and 3 in arrival order.
 */
export async function relayExecWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  runtimeUrl: () => Promise<string>,
  opts: RemoteCommandOptions,
): Promise<void> {
  const client = await acceptWebSocket(req, socket, head, CHANNEL_PROTOCOLS);
  if (!client) return;
  // Listen before dialing: what the client sends meanwhile is queued, not lost.
  const pending: Buffer[] = [];
  let session: RemoteCommandSession | undefined;
  const toRuntime = (data: Buffer) => {
    if (!session) return void pending.push(data);
    if (data.length >= 2 && data[0] === CLOSE_SIGNAL) {
      if (data[1] === 0) session.closeStdin();
    } else if (data[0] === 0) session.writeStdin(data.subarray(1));
    else if (data[0] === 4) session.resize(data.subarray(1));
  };
  let clientGone = false;
  client.on("message", (data: Buffer) => toRuntime(data));
  client.once("close", () => {
    clientGone = true;
    session?.close();
  });
  client.on("error", () => undefined);
  const channel = { stdout: 1, stderr: 2, error: 3 } as const;
  try {
    session = await dialRemoteCommand(await runtimeUrl(), opts, {
      onData: (stream, data) => {
        if (client.readyState === WebSocket.OPEN)
          client.send(Buffer.concat([Buffer.from([channel[stream]]), data]));
      },
    });
  } catch (err) {
    const status = {
      metadata: {},
      status: "Failure",
      message: err instanceof Error ? err.message : String(err),
      reason: "InternalError",
      code: 500,
    };
    if (client.readyState === WebSocket.OPEN) {
      client.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
      client.close(1000);
    }
    return;
  }
  if (clientGone) session.close();
  for (const d of pending.splice(0)) toRuntime(d);
  await session.done;
  if (client.readyState === WebSocket.OPEN) client.close(1000);
}

/**
 * The protocol versions a SPDY client offered in X-Stream-Protocol-Version
 * (one header each, or joined with commas by a proxy), in its order.
 */
export function offeredStreamProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct?.["x-stream-protocol-version"] ?? [];
  return raw
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** True when the request asks for a SPDY/3.1 upgrade. */
export function isSpdyRequest(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase().startsWith("spdy/3.1");
}

/**
 * Relays a plain SPDY/3.1 client (kubectl's fallback, or any client-go SPDY
 * executor) to the runtime's streaming URL byte for byte, as upstream's
 * kubelet proxies to the CRI streaming server: the client's offered
 * protocol versions go to the runtime, whose choice is answered in the
 * 101, so the SPDY session (exec/attach streams, or port-forward data and
 * error streams) runs end to end between client and runtime. A failure
 * before the upgrade is answered as a plain HTTP error.
 */
export async function relaySpdy(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  runtimeUrl: () => Promise<string>,
  defaultProtocols: string[],
): Promise<void> {
  const offered = offeredStreamProtocols(req);
  let up: { socket: Duplex; head: Buffer; protocol?: string };
  try {
    up = await dialRuntimeSpdy(await runtimeUrl(), offered.length ? offered : defaultProtocols);
  } catch (err) {
    rejectUpgrade(socket, 500, err instanceof Error ? err.message : String(err));
    return;
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
      (up.protocol ? `X-Stream-Protocol-Version: ${up.protocol}\r\n` : "") +
      "\r\n",
  );
  if (head.length) up.socket.write(head);
  if (up.head.length) socket.write(up.head);
  up.socket.pipe(socket);
  socket.pipe(up.socket);
  await new Promise<void>((resolve) => {
    const done = () => {
      up.socket.destroy();
      socket.destroy();
      resolve();
    };
    socket.once("close", done);
    up.socket.once("close", done);
    socket.once("error", done);
    up.socket.once("error", done);
  });
}

/**
 * Relays a port-forward: WebSocket-tunnelled SPDY (kubectl 1.32's default)
 * or a plain SPDY/3.1 upgrade, byte for byte, to the runtime.
 */
export async function relayPortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  runtimeUrl: () => Promise<string>,
): Promise<void> {
  if (isWebSocketRequest(req)) {
    let url: string;
    try {
      url = await runtimeUrl();
    } catch (err) {
      rejectUpgrade(socket, 500, err instanceof Error ? err.message : String(err));
      return;
    }
    const client = await acceptWebSocket(req, socket, head, [PORT_FORWARD_TUNNEL_PROTOCOL]);
    if (!client) return;
    let up: { socket: Duplex; head: Buffer };
    try {
      up = await dialRuntimeSpdy(url, [PORT_FORWARD_PROTOCOL]);
    } catch {
      client.close(1011);
      return;
    }
    client.on("message", (data: Buffer) => up.socket.write(data));
    if (up.head.length) client.send(up.head);
    up.socket.on("data", (d: Buffer) => client.send(d));
    await new Promise<void>((resolve) => {
      const done = () => {
        up.socket.destroy();
        if (client.readyState === WebSocket.OPEN) client.close(1000);
        resolve();
      };
      client.once("close", done);
      up.socket.once("close", done);
      up.socket.once("error", done);
      client.once("error", done);
    });
    return;
  }
  if (isSpdyRequest(req)) return relaySpdy(req, socket, head, runtimeUrl, [PORT_FORWARD_PROTOCOL]);
  rejectUpgrade(socket, 400, "port-forward needs a WebSocket or SPDY/3.1 upgrade");
}

export { rejectUpgrade };

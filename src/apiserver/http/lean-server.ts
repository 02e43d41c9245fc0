/**
 * Listeners of the lean HTTP/1.1 path: a TLS or plain TCP (or Unix socket)
 * server whose connections are served by LeanConnection, with Node's HTTP
 * server as the fallback for what they hand off. The keep-alive and head
 * timeouts are checked by one coarse timer per listener, not per request.
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { LeanConnection, type ConnectionOptions } from "./connection.ts";

export interface LeanListener {
  server: NetServer;
  /** Destroys every connection, the lean ones and those handed to Node's server. */
  closeAllConnections(): void;
}

/** How often the timeouts are checked. */
const CHECK_INTERVAL_MS = 2_000;

/**
 * A listener serving `opts`; `tls` makes it HTTPS; `onConnection` sees each
 * connection first (the loopback socket marks them).
 */
export function createLeanListener(
  opts: ConnectionOptions,
  tls?: TlsOptions,
  onConnection?: (socket: Socket) => void,
): LeanListener {
  const connections = new Set<LeanConnection>();
  const forget = (conn: LeanConnection) => void connections.delete(conn);
  const accept = (socket: Socket) => {
    onConnection?.(socket);
    connections.add(new LeanConnection(socket, opts, forget));
  };
  const server = tls
    ? createTlsServer({ ALPNProtocols: ["http/1.1"], allowHalfOpen: true, ...tls }, accept)
    : createNetServer({ allowHalfOpen: true }, accept);
  // A failed handshake only ends that connection.
  server.on("tlsClientError", () => undefined);
  const timer = setInterval(() => {
    const now = Date.now();
    for (const conn of connections) conn.checkTimeouts(now);
  }, CHECK_INTERVAL_MS);
  timer.unref();
  // Node's server tracks the connections it is given (closeAllConnections, its
  // headersTimeout checks) only once it has seen 'listening'; it never listens itself.
  opts.fallback.emit("listening");
  server.on("close", () => {
    clearInterval(timer);
    opts.fallback.close();
  });
  return {
    server,
    closeAllConnections() {
      for (const conn of connections) conn.destroy();
      connections.clear();
      opts.fallback.closeAllConnections();
    },
  };
}

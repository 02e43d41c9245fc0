/**
 * Lets upgrade requests (WebSocket, SPDY: exec, attach, port-forward,
 * proxies) through the API server's normal request path. Node hands such
 * requests to the server's "upgrade" event with the raw socket; this gives
 * them a ServerResponse on that socket, so authentication, authorization
 * and errors work as for any request, while the handler that accepts the
 * upgrade writes to `req.socket` directly. Bytes read past the request
 * head are put back on the socket for that handler.
 */
import { ServerResponse, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Routes `server`'s upgrade requests to `onRequest`. */
export function serveUpgradeRequests(
  server: Server,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    if (head.length > 0) socket.unshift(head);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once("finish", () => socket.end());
    onRequest(req, res);
  });
}

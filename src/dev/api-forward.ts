/**
 * Reaching a dev cluster's API server from the host: the server listens on
 * node 1's address inside its network namespace, which the host cannot
 * route to (on purpose). A unix socket crosses namespaces (it lives in the
 * file system), so two plain byte pipes join them: one process inside
 * node 1's namespace accepts on a unix socket and connects to the API
 * server; one on the host accepts on 127.0.0.1:<port> and connects to the
 * unix socket. TLS passes through untouched (the serving certificate names
 * 127.0.0.1).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { rmSync } from "node:fs";

/** Where a forwarder accepts, and where it connects for each accepted connection. */
export interface ForwardSpec {
  listen: { host: string; port: number } | { path: string };
  connect: { host: string; port: number } | { path: string };
}

function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on("error", end).on("close", end);
  b.on("error", end).on("close", end);
}

/** Starts a forwarder; resolves once it listens. */
export async function startForward(spec: ForwardSpec): Promise<Server> {
  if ("path" in spec.listen) rmSync(spec.listen.path, { force: true });
  const server = createServer((inbound) => {
    const outbound =
      "path" in spec.connect
        ? createConnection(spec.connect.path)
        : createConnection(spec.connect.port, spec.connect.host);
    pipe(inbound, outbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("path" in spec.listen) server.listen(spec.listen.path, () => resolve());
    else server.listen(spec.listen.port, spec.listen.host, () => resolve());
  });
  return server;
}

/** "host:port" or a path (anything with a "/") → a ForwardSpec end. */
export function parseForwardEnd(value: string): ForwardSpec["listen"] {
  if (value.includes("/")) return { path: value };
  const m = /^([\d.]+):(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new Error(`Cannot parse ${JSON.stringify(value)}: want IPv4:port or a socket path`);
  return { host: m[1]!, port };
}

/**
 * The client-side load balancer an agent reaches the API through (as k3s's
 * agent load balancer): a TCP listener on loopback that forwards each
 * connection to one of the known API servers, TLS passing through
 * untouched. The server that last accepted a connection is tried first;
 * on a connection error the next one is tried, so clients fail over when a
 * server dies, at the price of one reconnect.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

export interface Upstream {
  host: string;
  port: number;
}

/** host:port of an https:// URL. */
export function upstreamOf(url: string): Upstream {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 443) };
}

export class ApiServerLoadBalancer {
  #servers: Upstream[];
  #preferred = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #connectTimeoutMs: number;

  constructor(servers: string[], opts: { connectTimeoutMs?: number } = {}) {
    if (servers.length === 0) throw new Error("Cannot balance over no API servers");
    this.#servers = dedupe(servers.map(upstreamOf));
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
  }

  /** Replaces the known servers (the preferred one stays first if still known). */
  setServers(servers: string[]): void {
    const current = this.#servers[this.#preferred];
    this.#servers = dedupe(servers.map(upstreamOf));
    const i = this.#servers.findIndex((s) => s.host === current?.host && s.port === current?.port);
    this.#preferred = Math.max(0, i);
  }

  /** The upstreams in the order a new connection tries them. */
  order(): Upstream[] {
    return [...this.#servers.slice(this.#preferred), ...this.#servers.slice(0, this.#preferred)];
  }

  /** Listens on host:port (port 0: a free one); resolves to https://host:port. */
  async listen(host = "127.0.0.1", port = 0): Promise<string> {
    const server = createServer((client) => this.#handle(client));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    return `https://${host}:${(server.address() as AddressInfo).port}`;
  }

  #handle(client: Socket): void {
    this.#sockets.add(client);
    client.once("close", () => this.#sockets.delete(client));
    client.on("error", () => {});
    client.pause();
    const candidates = this.order();
    const attempt = (i: number) => {
      if (i >= candidates.length || client.destroyed) {
        client.destroy();
        return;
      }
      const target = candidates[i]!;
      const upstream = connect({ host: target.host, port: target.port });
      const timer = setTimeout(
        () => upstream.destroy(new Error("connect timeout")),
        this.#connectTimeoutMs,
      );
      const fail = () => {
        clearTimeout(timer);
        upstream.destroy();
        attempt(i + 1);
      };
      upstream.once("error", fail);
      upstream.once("connect", () => {
        clearTimeout(timer);
        upstream.off("error", fail);
        upstream.on("error", () => client.destroy());
        this.#preferred = this.#servers.findIndex((s) => s === target);
        this.#sockets.add(upstream);
        upstream.once("close", () => {
          this.#sockets.delete(upstream);
          client.destroy();
        });
        client.once("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }

  /** Stops listening and closes every proxied connection. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

function dedupe(list: Upstream[]): Upstream[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const k = `${u.host}:${u.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

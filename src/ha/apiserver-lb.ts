/**
 * The client-side load balancer an agent reaches the API through (as k3s's
 * agent load balancer): a TCP listener on loopback that forwards each
 * connection to one of the known API servers, TLS passing through
 * untouched. The server that last accepted a connection is tried first;
 * on a connection error the next one is tried, so clients fail over when a
 * server dies, at the price of one reconnect. setServers() replaces the
 * list (the agent refreshes it from the default/kubernetes Endpoints) and
 * closes the connections proxied to servers no longer listed.
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
  #fallback: Upstream | undefined;
  /** The last connection went to the fallback: try it first (no listed server answered). */
  #onFallback = false;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  /** Client connection → "host:port" of the upstream it is proxied to. */
  readonly #routes = new Map<Socket, string>();
  readonly #connectTimeoutMs: number;

  constructor(servers: string[], opts: { connectTimeoutMs?: number } = {}) {
    if (servers.length === 0) throw new Error("Cannot balance over no API servers");
    this.#servers = dedupe(servers.map(upstreamOf));
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
  }

  /**
   * Replaces the known servers (the preferred one stays first if still
   * known; an empty list is ignored) and closes the connections proxied to
   * servers that are no longer listed, so their clients reconnect to one
   * that is. A fallback (k3s's default server) is tried after every listed
   * server, and first only while it was the last one to answer (so listed
   * servers that do not answer cost one connect each, not one per request).
   * Returns true when the listed servers or the fallback changed.
   */
  setServers(servers: string[], fallback?: string): boolean {
    const next = dedupe(servers.map(upstreamOf));
    if (next.length === 0) return false;
    const describe = () =>
      `${this.#servers.map(keyOf).join(",")};${this.#fallback ? keyOf(this.#fallback) : ""}`;
    const before = describe();
    const current = this.#onFallback ? this.#fallback : this.#servers[this.#preferred];
    this.#servers = next;
    const fb = fallback === undefined ? undefined : upstreamOf(fallback);
    this.#fallback = fb && !next.some((s) => keyOf(s) === keyOf(fb)) ? fb : undefined;
    this.#onFallback =
      this.#onFallback && !!this.#fallback && keyOf(this.#fallback) === keyOf(current!);
    const i = current ? next.findIndex((s) => keyOf(s) === keyOf(current)) : -1;
    this.#preferred = Math.max(0, i);
    const known = new Set(this.order().map(keyOf));
    for (const [client, route] of this.#routes) if (!known.has(route)) client.destroy();
    return describe() !== before;
  }

  /** The upstreams in the order a new connection tries them. */
  order(): Upstream[] {
    const listed = [
      ...this.#servers.slice(this.#preferred),
      ...this.#servers.slice(0, this.#preferred),
    ];
    if (!this.#fallback) return listed;
    return this.#onFallback ? [this.#fallback, ...listed] : [...listed, this.#fallback];
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
    client.once("close", () => {
      this.#sockets.delete(client);
      this.#routes.delete(client);
    });
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
        const index = this.#servers.findIndex((s) => keyOf(s) === keyOf(target));
        const isFallback = this.#fallback !== undefined && keyOf(this.#fallback) === keyOf(target);
        // Dropped from the list while connecting: try the next one.
        if (index < 0 && !isFallback) {
          upstream.destroy();
          attempt(i + 1);
          return;
        }
        if (index >= 0) this.#preferred = index;
        this.#onFallback = isFallback;
        this.#routes.set(client, keyOf(target));
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

const keyOf = (u: Upstream) => `${u.host}:${u.port}`;

function dedupe(list: Upstream[]): Upstream[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const k = keyOf(u);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

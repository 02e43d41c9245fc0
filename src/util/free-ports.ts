import { createServer, type AddressInfo, type Server } from "node:net";

/**
 * `n` distinct free TCP ports on `host`, found by binding port 0 (they may be
 * taken again later), none of them in `avoid`: ports the caller itself is
 * about to listen on, which are free now too.
 */
export async function freePorts(
  n: number,
  host = "127.0.0.1",
  avoid: readonly number[] = [],
): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    // Every probe stays bound until the end, so the kernel never hands out the same port twice.
    while (ports.length < n) {
      const s = await listenOnAnyPort(host);
      held.push(s);
      const port = (s.address() as AddressInfo).port;
      if (!avoid.includes(port)) ports.push(port);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
  return ports;
}

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => resolve(s));
  });
}

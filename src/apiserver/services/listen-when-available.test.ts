/**
 * listenWhenAvailable keeps retrying an address it cannot bind yet without
 * piling listeners on its listener (one per failed attempt used to stay), and
 * hands connections to the server once it binds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type AddressInfo } from "node:net";
import { FakeClock } from "../../client/clock.ts";
import { listenWhenAvailable } from "./service-networking.ts";

const until = async (what: string, fn: () => boolean) => {
  for (let i = 0; i < 3000 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn(), `${what} never happened`);
};

test("failed attempts leave no listeners behind; the bind succeeds once the address is free", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  // The port is taken: every attempt fails with EADDRINUSE until it is released.
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
  const port = (squatter.address() as AddressInfo).port;
  const accepted: string[] = [];
  const target = createServer((socket) => {
    accepted.push("connection");
    socket.end();
  });
  const clock = new FakeClock();
  const stop = new AbortController();
  try {
    listenWhenAvailable(target, "127.0.0.1", port, {
      clock,
      signal: stop.signal,
      retryMs: 1000,
    });
    for (let i = 0; i < 15; i++) {
      // The failed attempt schedules the next one on the clock.
      await until(`attempt ${i + 1} fails`, () => clock.waiting() === 1);
      clock.advance(1000);
    }
    await until("attempt 16 fails", () => clock.waiting() === 1);
    await new Promise<void>((r) => squatter.close(() => r()));
    clock.advance(1000);
    await until("a connection reaches the server", () => {
      if (accepted.length > 0) return true;
      const c = connect(port, "127.0.0.1");
      c.on("error", () => undefined);
      c.on("close", () => c.destroy());
      return false;
    });
    assert.deepEqual(warnings, [], "no MaxListenersExceededWarning");
  } finally {
    stop.abort();
    process.off("warning", onWarning);
    squatter.close();
    target.close();
  }
});
